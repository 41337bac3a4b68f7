"""Where the dashboard gets its numbers: the marts, and nothing else.

Every query is `select <columns> from <marts schema>.<mart>`, what any BI tool reads, so the
dashboard runs as the read-only BI role and doubles as the worked example of BI use.

The database comes from the environment, like dbt's own profiles:

- `DASHBOARD_DATABASE_URL` unset: the DuckDB file of the default target (`DBT_DUCKDB_PATH`,
  else `segmentation.duckdb` at the project root), opened read-only so a dashboard left open
  never holds a write lock.
- `postgresql://user:password@host:port/database`: Postgres, through psycopg2.
- `snowflake://user:password@account/database?warehouse=...&role=...`: Snowflake, through
  snowflake-connector-python.

The marts schema is `DBT_SCHEMA_PREFIX` + `marts`, the name `generate_schema_name` gives it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import duckdb
import pandas as pd
import psycopg2
import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
BUILD_HINT = "Run `make build` first (or `dbt build` on the target the dashboard points to)."

# The columns the pages read, per mart. The marts' enforced contracts are the interface, so
# naming the columns (never `select *`) makes a contract change fail here with the mart's
# name, not somewhere inside a chart.
MART_COLUMNS: dict[str, tuple[str, ...]] = {
    "segment_k_diagnostics": (
        "k",
        "reference_month",
        "inertia",
        "silhouette",
        "davies_bouldin",
        "calinski_harabasz",
        "stability",
        "smallest_segment_share",
        "silhouette_sample_size",
        "fitted_customers",
        "random_seed",
        "is_chosen_k",
        "is_recommended",
        "recommendation_note",
    ),
    "segment_method_comparison": (
        "clustering_method",
        "k",
        "silhouette",
        "davies_bouldin",
        "calinski_harabasz",
        "smallest_segment_share",
        "agreement_with_kmeans",
        "evaluated_customers",
        "is_in_use",
        "note",
    ),
    "segment_feature_screening": (
        "feature",
        "feature_label",
        "variance_before_scaling",
        "max_abs_correlation",
        "most_correlated_label",
        "vif",
        "would_drop",
        "screening_drops",
        "screening_reason",
        "is_dropped",
        "note",
    ),
    "segment_pca_sample": (
        "customer_id",
        "segment_id",
        "pc1",
        "pc2",
        "pc1_variance_share",
        "pc2_variance_share",
        "note",
    ),
    "segment_drift": (
        "month_date",
        "is_reference_month",
        "is_after_reference",
        "segment_mix_psi",
        "largest_feature_psi",
        "largest_feature",
        "relative_mean_distance",
        "share_borderline",
        "refit_recommended",
        "reason",
    ),
    "segment_profiles": (
        "segment_id",
        "segment_name",
        "segment_description",
        "is_user_named",
        "customers",
        "customer_share",
        "revenue_share",
        "avg_age_years",
        "avg_tenure_months",
        "avg_annual_income",
        "avg_products_held",
        "avg_product_types_held",
        "asset_share",
        "total_assets",
        "total_liabilities",
        "net_balance",
        "avg_net_balance",
        "total_revenue",
        "avg_revenue",
        "share_activity_falling",
        "share_borderline",
        "share_outlier",
    ),
    "segment_feature_heatmap": (
        "segment_id",
        "segment_name",
        "feature",
        "feature_kind",
        "feature_label",
        "feature_group",
        "standardized_value",
        "value_unit",
        "raw_mean",
        "raw_unit",
    ),
    "segment_feature_importance": ("feature", "feature_kind", "feature_label", "importance", "importance_rank"),
    "segment_tier_matrix": (
        "segment_id",
        "segment_name",
        "tier",
        "tier_rank",
        "customers",
        "share_of_segment",
        "share_of_tier",
        "revenue_share_of_segment",
        "revenue_share_of_tier",
        "asset_share_of_segment",
        "asset_share_of_tier",
        "total_revenue",
        "avg_revenue",
        "total_assets",
        "total_liabilities",
        "net_balance",
    ),
    "segment_demographics": (
        "grouping",
        "group_key",
        "group_label",
        "dimension",
        "quintile_label",
        "quintile",
        "lower_bound",
        "upper_bound",
        "customers",
        "share_of_group",
    ),
    "cross_sell": (
        "grouping",
        "group_key",
        "group_label",
        "product_types_held",
        "customers",
        "share_of_group",
        "avg_product_types_held",
    ),
    "product_mix": (
        "grouping",
        "group_key",
        "group_label",
        "product_type",
        "product_label",
        "is_liability",
        "customers",
        "holders",
        "holding_rate",
        "total_assets",
        "total_liabilities",
        "total_revenue",
    ),
    "segment_history": (
        "month_date",
        "segment_id",
        "segment_name",
        "customers",
        "share_of_active",
        "total_revenue",
        "revenue_share",
        "avg_revenue",
        "total_assets",
        "asset_share",
        "total_liabilities",
        "net_balance",
        "segment_retention",
        "month_stability",
    ),
    "segment_transitions": (
        "from_month",
        "to_month",
        "is_consecutive",
        "from_state",
        "from_label",
        "from_segment_id",
        "to_state",
        "to_label",
        "to_segment_id",
        "customers",
    ),
    "segment_transition_drivers": (
        "from_month",
        "to_month",
        "from_segment_id",
        "from_label",
        "to_segment_id",
        "to_label",
        "customers",
        "stayers",
        "feature",
        "feature_label",
        "mover_change",
        "stayer_change",
        "relative_change",
        "driver_rank",
    ),
}
# Marts that are rightly empty on some data: no move between two segments may reach
# transition_driver_min_customers.
MAY_BE_EMPTY = frozenset({"segment_transition_drivers"})
# One customer's segment and reasons, looked up by id (customer_segments has a row per active
# customer: too many to load whole).
CUSTOMER_COLUMNS = (
    "customer_id",
    "segment_id",
    "segment_name",
    "second_segment_id",
    "assignment_margin",
    "is_borderline",
    "is_outlier",
    "top_reasons",
)
DATE_COLUMNS = frozenset({"reference_month", "month_date", "from_month", "to_month"})
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class DashboardError(Exception):
    """Something the person running the dashboard can fix; shown as a message, never a trace."""

    def __init__(self, message: str, hint: str = BUILD_HINT) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Source:
    """The database and schema the marts are read from."""

    engine: Literal["duckdb", "postgres", "snowflake"]
    location: str  # the DuckDB file, or the connection URL
    schema: str

    @property
    def label(self) -> str:
        """Where the data comes from, for the sidebar: never the password."""
        if self.engine == "duckdb":
            return f"DuckDB file `{self.location}`, schema `{self.schema}`"
        parts = urlsplit(self.location)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{self.engine.capitalize()} `{host}{port}{parts.path}`, schema `{self.schema}`"


def source_from_env(environ: Mapping[str, str] = os.environ) -> Source:
    """The marts' location from the environment (see the module docstring)."""
    schema = environ.get("DBT_SCHEMA_PREFIX", "") + "marts"
    if not IDENTIFIER.fullmatch(schema):
        raise DashboardError(f"The marts schema name `{schema}` is not a plain identifier.", "Check DBT_SCHEMA_PREFIX.")
    url = environ.get("DASHBOARD_DATABASE_URL", "").strip()
    if not url:
        path = Path(environ.get("DBT_DUCKDB_PATH", "segmentation.duckdb"))
        # dbt writes relative paths from the project root, where `make` runs it.
        return Source("duckdb", str(path if path.is_absolute() else ROOT / path), schema)
    scheme = urlsplit(url).scheme.lower()
    if scheme in {"postgres", "postgresql"}:
        return Source("postgres", url, schema)
    if scheme == "snowflake":
        return Source("snowflake", url, schema)
    raise DashboardError(
        f"DASHBOARD_DATABASE_URL has the scheme `{scheme}`, which the dashboard does not read.",
        "Use postgresql://user@host:port/database or snowflake://user:password@account/database, "
        "or unset it to read the DuckDB file.",
    )


@st.cache_data(ttl=600, show_spinner="Reading the marts...")
def load_mart(source: Source, mart: str) -> pd.DataFrame:
    """One mart, cached for ten minutes so that a rebuild shows up without a restart."""
    frame = read_mart(source, mart)
    if frame.empty and mart not in MAY_BE_EMPTY:
        raise DashboardError(f"The mart `{source.schema}.{mart}` is empty.")
    return frame


def require_marts(source: Source) -> None:
    """Raise DashboardError unless every mart the pages read exists and has rows."""
    for mart in MART_COLUMNS:
        load_mart(source, mart)


def read_mart(source: Source, mart: str) -> pd.DataFrame:
    """The mart's columns, with dates as datetimes and decimals as floats on every engine."""
    sql = f"select {', '.join(MART_COLUMNS[mart])} from {source.schema}.{mart}"
    return normalise(READERS[source.engine](source, sql, mart, ()))


@st.cache_data(ttl=600, show_spinner=False)
def read_customer(source: Source, customer_id: str) -> pd.DataFrame:
    """The customer_segments row of one customer id (as text, whatever the id type), or none."""
    placeholder = "?" if source.engine == "duckdb" else "%s"
    sql = (
        f"select {', '.join(CUSTOMER_COLUMNS)} from {source.schema}.customer_segments"
        f" where cast(customer_id as varchar) = {placeholder}"
    )
    return normalise(READERS[source.engine](source, sql, "customer_segments", (customer_id.strip(),)))


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Same dtypes whichever driver produced the frame: psycopg2 returns Decimal and date
    objects, Snowflake upper-case names, DuckDB numpy types already."""
    frame = frame.rename(columns=str.lower)
    for column in frame.columns:
        if column in DATE_COLUMNS:
            frame[column] = pd.to_datetime(frame[column])
        elif frame[column].dtype == object and frame[column].map(lambda value: isinstance(value, Decimal)).any():
            frame[column] = frame[column].astype(float)
    return frame


POSTGRES_BOOLEAN = 16  # the type oid psycopg2 reports for a boolean column


def with_boolean_dtypes(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Boolean columns as DuckDB returns them: bool, or pandas' nullable boolean where a value
    is null (psycopg2 gives Python objects, and a column of nulls alone would not look boolean)."""
    for column in columns:
        frame[column] = frame[column].astype("boolean" if frame[column].isna().any() else bool)
    return frame


def _read_duckdb(source: Source, sql: str, mart: str, params: tuple[str, ...]) -> pd.DataFrame:
    if not Path(source.location).is_file():
        raise DashboardError(f"There is no DuckDB database at `{source.location}`.")
    try:
        with duckdb.connect(source.location, read_only=True) as connection:
            return connection.execute(sql, list(params)).df()
    except duckdb.CatalogException as error:
        raise DashboardError(f"The mart `{source.schema}.{mart}` is missing ({_first_line(error)}).") from error
    except duckdb.Error as error:
        raise DashboardError(
            f"The DuckDB file `{source.location}` cannot be read: {_first_line(error)}",
            "If `dbt build` is running on it, wait for it to finish, then reload.",
        ) from error


def _read_postgres(source: Source, sql: str, mart: str, params: tuple[str, ...]) -> pd.DataFrame:
    try:
        connection = psycopg2.connect(source.location, connect_timeout=5)
    except psycopg2.Error as error:
        raise DashboardError(
            f"Cannot connect to Postgres: {_first_line(error)}", "Check DASHBOARD_DATABASE_URL and the server."
        ) from error
    try:
        # Read-only at the session level too: the dashboard never writes, whatever the role may do.
        connection.set_session(readonly=True, autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, params or None)
            frame = pd.DataFrame(cursor.fetchall(), columns=[column.name for column in cursor.description])
            booleans = [column.name for column in cursor.description if column.type_code == POSTGRES_BOOLEAN]
            return with_boolean_dtypes(frame, booleans)
    except psycopg2.errors.UndefinedTable as error:
        raise DashboardError(f"The mart `{source.schema}.{mart}` is missing ({_first_line(error)}).") from error
    except psycopg2.Error as error:
        raise DashboardError(
            f"Reading `{source.schema}.{mart}` failed: {_first_line(error)}",
            "Check that the role may select on the marts (dbt var bi_read_role) and that the build ran.",
        ) from error
    finally:
        connection.close()


def _read_snowflake(source: Source, sql: str, mart: str, params: tuple[str, ...]) -> pd.DataFrame:
    # Imported here: only Snowflake users need the connector.
    import snowflake.connector

    try:
        with snowflake.connector.connect(**snowflake_parameters(source.location)) as connection:
            cursor = connection.cursor()
            cursor.execute(sql, params or None)
            return pd.DataFrame(cursor.fetchall(), columns=[column.name for column in cursor.description])
    except snowflake.connector.errors.Error as error:
        raise DashboardError(f"Reading `{source.schema}.{mart}` on Snowflake failed: {_first_line(error)}") from error


READERS = {"duckdb": _read_duckdb, "postgres": _read_postgres, "snowflake": _read_snowflake}


def snowflake_parameters(url: str) -> dict[str, str]:
    """snowflake://user:password@account/database?warehouse=WH&role=ROLE as connector arguments."""
    parts = urlsplit(url)
    parameters = {
        "account": parts.hostname or "",
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": parts.path.strip("/"),
    }
    for name, values in parse_qs(parts.query).items():
        if name in {"warehouse", "role", "authenticator"}:
            parameters[name] = values[-1]
    return {name: value for name, value in parameters.items() if value}


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
