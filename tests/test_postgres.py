"""The project on the PostgreSQL server, where KMeans runs in SQL: it builds and every test
passes, the features equal DuckDB's, the segmentation and every mart, the read-only BI role (in
the dashboard too), determinism. One file, so that the Postgres build is made once: each test
file runs whole on one pytest-xdist worker."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import psycopg2
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from conftest import ALL_MARTS, MART_KEYS, DuckdbBuild, PostgresBuild
from test_dashboard import PAGES, assert_rendered_without_error, dashboard_module, run_page

# Models of the reference month only, computed again only when their inputs change
# (reference_month_config in macros/incremental.sql).
REFERENCE_MONTH_MODELS = [
    "seg_customer_reasons",
    "seg_feature_deciles",
    "customer_segments",
    "segment_feature_heatmap",
    "segment_feature_importance",
]

pytestmark = pytest.mark.postgres

KEYS = ["customer_id", "month_date"]

# Marts only the Python engine fills; on Postgres they hold one row whose note says why.
PYTHON_ENGINE_MARTS = ["segment_method_comparison", "segment_feature_screening", "segment_pca_sample"]


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Same dtypes whichever engine produced the frame: numbers as float, dates as dates."""
    frame = frame.copy()
    for column in frame.columns:
        if column in {"month_date", "birth_date", "customer_since"}:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        elif column not in {"tier", "gender", "marital_status", "occupation", "region", "is_active"}:
            frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame.sort_values(KEYS).reset_index(drop=True)


def test_every_node_of_the_postgres_build_succeeded(postgres_build: PostgresBuild) -> None:
    results = postgres_build.project.run_results()
    assert [r["unique_id"] for r in results if r["status"] not in {"success", "pass", "no-op"}] == []
    assert len(results) > 50


def test_features_equal_duckdb(postgres_build: PostgresBuild, duckdb_build: DuckdbBuild) -> None:
    schema = f"{postgres_build.prefix}intermediate"
    postgres = normalise(postgres_build.query(f"select * from {schema}.int_customer_month_features"))
    with duckdb_build.connect() as connection:
        duck = normalise(connection.execute("select * from intermediate.int_customer_month_features").df())
    assert sorted(postgres.columns) == sorted(duck.columns)
    duck = duck.drop(columns="built_at")  # when each build ran
    pd.testing.assert_frame_equal(postgres[duck.columns], duck, check_exact=False, rtol=1e-9, atol=1e-6)


def test_schemas_are_prefixed(postgres_build: PostgresBuild) -> None:
    schemas = postgres_build.query(f"select nspname from pg_namespace where nspname like '{postgres_build.prefix}%'")[
        "nspname"
    ]
    layers = ("bank", "demo_data", "staging", "intermediate", "segment_model", "audit", "marts")
    assert set(schemas) == {f"{postgres_build.prefix}{name}" for name in layers}


def test_freshness_of_the_own_named_balances_on_postgres(postgres_build: PostgresBuild) -> None:
    result = postgres_build.project.run("source", "freshness", "--vars", json.dumps(postgres_build.variables))
    assert "PASS freshness of bank.balances" in " ".join(result.stdout.split()), result.stdout


def test_unit_tests_pass_on_postgres(postgres_build: PostgresBuild) -> None:
    # without input_schema: the unit tests mock the demo seeds (loaded beside the bank's tables)
    postgres_build.project.run("test", "--select", "test_type:unit")
    results = postgres_build.project.run_results()
    statuses = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert len(statuses) >= 10 and set(statuses.values()) == {"pass"}, statuses


def test_check_inputs_on_the_own_named_bank_on_postgres(postgres_build: PostgresBuild) -> None:
    result = postgres_build.project.run("run-operation", "check_inputs", "--vars", json.dumps(postgres_build.variables))
    output = result.stdout
    assert "  columns: customer_id <- client_no (text), birth_date <- date_of_birth (date)," in output, output
    assert "(Mortgage) -> mortgage" in output and "Crédit / Card -> credit_card" in output, output
    assert "problems: 0 would stop the build, 0 would quarantine rows" in output, output


def test_docs_generate_on_postgres(postgres_build: PostgresBuild) -> None:
    postgres_build.project.run("docs", "generate", "--vars", json.dumps(postgres_build.variables))
    assert (postgres_build.project.work_dir / "target" / "catalog.json").exists()


# The segmentation and the marts ------------------------------------------------------------


def schema(build: PostgresBuild, layer: str) -> str:
    return f"{build.prefix}{layer}"


def test_postgres_uses_the_sql_engine(postgres_build: PostgresBuild) -> None:
    summary = postgres_build.query(f"select * from {schema(postgres_build, 'segment_model')}.seg_model_summary")
    assert list(summary["kmeans_engine"]) == ["sql"]


def test_sql_engine_matches_scikit_learn(postgres_build: PostgresBuild) -> None:
    matrix = postgres_build.query(
        f"select * from {schema(postgres_build, 'segment_model')}.seg_training_matrix order by customer_id"
    )
    features = sorted(column for column in matrix.columns if column.startswith("f_"))
    summary = postgres_build.query(f"select * from {schema(postgres_build, 'segment_model')}.seg_model_summary").iloc[0]
    reference = KMeans(
        int(summary["n_clusters"]), n_init=int(summary["n_init"]), random_state=int(summary["random_seed"])
    ).fit(matrix[features].to_numpy(dtype=np.float64))
    segments = postgres_build.query(
        f"select customer_id, segment_id from {schema(postgres_build, 'marts')}.customer_segments order by customer_id"
    )
    assert float(summary["inertia"]) <= reference.inertia_ * 1.01
    assert adjusted_rand_score(reference.labels_, segments["segment_id"]) >= 0.95


def test_sql_engine_gives_the_same_labels_on_duckdb_and_postgres(
    postgres_build: PostgresBuild, duckdb_sql_engine: DuckdbBuild
) -> None:
    on_postgres = postgres_build.query(
        f"select customer_id, segment_id from {schema(postgres_build, 'marts')}.customer_segments order by customer_id"
    )
    with duckdb_sql_engine.connect() as connection:
        on_duckdb = connection.execute(
            "select customer_id, segment_id from marts.customer_segments order by customer_id"
        ).df()
    pd.testing.assert_frame_equal(on_postgres, on_duckdb, check_dtype=False)


def test_k_diagnostics_agree_across_engines(postgres_build: PostgresBuild, duckdb_build: DuckdbBuild) -> None:
    """The SQL engine (Postgres) and scikit-learn (DuckDB) share the silhouette sample and the
    formulas: where both fits reach the same segments (same inertia), every figure is the same.
    Seeding differs (md5 draws against numpy's generator), so from some k they may find other
    local optima; the recommended k is the same."""
    on_postgres = postgres_build.query(
        f"select * from {schema(postgres_build, 'marts')}.segment_k_diagnostics order by k"
    )
    with duckdb_build.connect() as connection:
        on_duckdb = connection.execute("select * from marts.segment_k_diagnostics order by k").df()
    same_fit = np.isclose(on_postgres["inertia"], on_duckdb["inertia"], rtol=1e-12, atol=0)
    chosen = (on_duckdb["k"] == 5).to_numpy()
    assert same_fit[chosen].all() and same_fit.sum() >= 3, on_postgres[["k", "inertia"]].assign(
        duckdb=on_duckdb["inertia"]
    )
    for column in ["silhouette", "davies_bouldin", "calinski_harabasz", "smallest_segment_share"]:
        np.testing.assert_allclose(
            on_postgres[column][same_fit], on_duckdb[column][same_fit], rtol=1e-9, err_msg=column
        )
    assert on_postgres["stability"].between(-1, 1).all()
    recommended = [frame.loc[frame["is_recommended"], "k"].tolist() for frame in (on_postgres, on_duckdb)]
    assert recommended[0] == recommended[1] == [5]


@pytest.mark.parametrize("mart", PYTHON_ENGINE_MARTS)
def test_python_only_marts_say_why_they_are_empty_on_postgres(postgres_build: PostgresBuild, mart: str) -> None:
    rows = postgres_build.query(f"select * from {schema(postgres_build, 'marts')}.{mart}")
    assert len(rows) == 1 and rows["note"].iloc[0].startswith("Not computed: the SQL KMeans engine runs no Python")
    assert rows.drop(columns="note").isna().all(axis=None)


def test_sql_registry_carries_the_fit_key_and_the_used_features(postgres_build: PostgresBuild) -> None:
    segment_model = schema(postgres_build, "segment_model")
    registry = postgres_build.query(f"select distinct feature, fit_key from {segment_model}.seg_kmeans_fits_sql")
    fit_key = postgres_build.query(f"select fit_key from {segment_model}.seg_fit_inputs")["fit_key"]
    used = postgres_build.query(f"select feature from {segment_model}.seg_preprocessing where is_used")["feature"]
    assert set(registry["fit_key"]) == set(fit_key) and len(fit_key) == 1
    assert sorted(registry["feature"]) == sorted(used)
    diagnostics = postgres_build.query(f"select distinct fit_key from {segment_model}.seg_k_diagnostics_sql")
    assert list(diagnostics["fit_key"]) == list(fit_key)


def test_every_mart_matches_duckdb_in_columns_and_rows(
    postgres_build: PostgresBuild, duckdb_build: DuckdbBuild
) -> None:
    for mart in ALL_MARTS:
        postgres = postgres_build.query(f"select * from {schema(postgres_build, 'marts')}.{mart}")
        with duckdb_build.connect() as connection:
            duck = connection.execute(f"select * from marts.{mart}").df()
        assert list(postgres.columns) == list(duck.columns), mart
        assert len(postgres) == len(duck) > 0, mart


def reader_can(build: PostgresBuild, sql: str) -> bool:
    connection = build.connect(user=build.reader_role)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        return True
    except psycopg2.errors.InsufficientPrivilege:
        return False
    finally:
        connection.close()


def test_read_only_role_selects_every_mart(postgres_build: PostgresBuild) -> None:
    for mart in ALL_MARTS:
        assert reader_can(postgres_build, f"select * from {schema(postgres_build, 'marts')}.{mart} limit 1"), mart


@pytest.mark.parametrize(
    "relation",
    [
        "staging.stg_bank__customers",
        "intermediate.int_customer_month_features",
        "bank.crm_clients",
        "segment_model.seg_centroids",
    ],
)
def test_read_only_role_is_refused_outside_the_marts(postgres_build: PostgresBuild, relation: str) -> None:
    layer, table = relation.split(".")
    assert not reader_can(postgres_build, f"select * from {schema(postgres_build, layer)}.{table} limit 1")


@pytest.mark.parametrize(
    "statement",
    [
        "insert into {marts}.segment_profiles select * from {marts}.segment_profiles",
        "update {marts}.segment_profiles set customers = 0",
        "delete from {marts}.segment_profiles",
        "create table {marts}.intruder (id integer)",
    ],
)
def test_read_only_role_cannot_write_in_the_marts(postgres_build: PostgresBuild, statement: str) -> None:
    assert not reader_can(postgres_build, statement.format(marts=schema(postgres_build, "marts")))


def test_two_postgres_builds_give_identical_marts(postgres_build: PostgresBuild) -> None:
    def read_all() -> dict[str, pd.DataFrame]:
        return {
            mart: postgres_build.query(
                f"select * from {schema(postgres_build, 'marts')}.{mart} order by {', '.join(keys)}"
            )
            for mart, keys in MART_KEYS.items()
        }

    first = read_all()
    # Incremental: every incremental model takes its incremental path (the check of its columns
    # against the stored table included) and not a bit of a mart may change. The fit's
    # determinism is covered by the SQL engine's identical labels on DuckDB and Postgres.
    # the fixture's vars: a run without bi_read_role would leave the rebuilt marts ungranted
    postgres_build.project.run(
        "build", "--exclude", "resource_type:seed", "--vars", json.dumps(postgres_build.variables)
    )
    second = read_all()
    for mart, frame in first.items():
        pd.testing.assert_frame_equal(frame, second[mart], check_exact=True, obj=mart)
    # Nothing the reference-month models read changed: none of them computed a row again.
    assert rows_written(postgres_build, REFERENCE_MONTH_MODELS) == dict.fromkeys(REFERENCE_MONTH_MODELS, 0)
    # Nothing was scored since the marts over history were built: only the reference month's drift.
    drift_at_reference = postgres_build.query(
        f"select count(*) as n from {schema(postgres_build, 'marts')}.feature_drift"
        f" where month_date = (select max(reference_month) from {schema(postgres_build, 'marts')}.customer_segments)"
    )["n"][0]
    written = rows_written(postgres_build, ["segment_history", "feature_drift"])
    assert written == {"segment_history": 0, "feature_drift": drift_at_reference}


def test_a_changed_var_computes_the_reference_month_models_again(postgres_build: PostgresBuild) -> None:
    marts = schema(postgres_build, "marts")
    borderline = f"select count(*) as n from {marts}.customer_segments where is_borderline"
    before = postgres_build.query(borderline)["n"][0]
    customers = postgres_build.query(f"select count(*) as n from {marts}.customer_segments")["n"][0]
    selection = ("--select", "customer_segments", "--vars")
    wider = {**postgres_build.variables, "borderline_margin": 0.3}
    postgres_build.project.run("run", *selection, json.dumps(wider))
    assert rows_written(postgres_build, ["customer_segments"]) == {"customer_segments": customers}
    assert postgres_build.query(borderline)["n"][0] > before
    # back to the build's vars: the stored key is the wider margin's, so it is computed again
    postgres_build.project.run("run", *selection, json.dumps(postgres_build.variables))
    assert rows_written(postgres_build, ["customer_segments"]) == {"customer_segments": customers}
    assert postgres_build.query(borderline)["n"][0] == before


def rows_written(postgres_build: PostgresBuild, models: list[str]) -> dict[str, int]:
    """Rows each model inserted in the last dbt command (Postgres reports them)."""
    results = {result["unique_id"].split(".")[-1]: result for result in postgres_build.project.run_results()}
    return {model: results[model]["adapter_response"]["rows_affected"] for model in models}


# The dashboard as the read-only BI role ---------------------------------------------------


def test_every_page_renders_as_the_read_only_role_on_postgres(
    postgres_build: PostgresBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = postgres_build.settings
    url = (
        f"postgresql://{postgres_build.reader_role}@{settings['PGHOST']}:{settings['PGPORT']}/{settings['PGDATABASE']}"
    )
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    monkeypatch.setenv("DBT_SCHEMA_PREFIX", postgres_build.prefix)
    monkeypatch.delenv("PGPASSWORD", raising=False)  # the role logs in without one
    for page in PAGES:
        app = run_page(page)
        assert_rendered_without_error(app)
        # the 2-D view needs the Python engine: on Postgres its note is shown instead
        missing = 1 if page == "app_pages/model_health.py" else 0
        assert len(app.get("plotly_chart")) >= len(PAGES[page]) - missing, page
        if missing:
            assert sum("Not computed" in info.value for info in app.info) == len(PYTHON_ENGINE_MARTS)


def test_postgres_marts_read_like_duckdb(postgres_build: PostgresBuild, duckdb_build: DuckdbBuild) -> None:
    """Same columns, dtypes and rows whichever engine the dashboard reads."""
    data = dashboard_module("data")
    duckdb_source = data.Source("duckdb", str(duckdb_build.path), "marts")
    marts = {mart: data.read_mart(duckdb_source, mart) for mart in data.MART_COLUMNS}
    settings = postgres_build.settings
    url = (
        f"postgresql://{postgres_build.reader_role}@{settings['PGHOST']}:{settings['PGPORT']}/{settings['PGDATABASE']}"
    )
    source = data.Source("postgres", url, f"{postgres_build.prefix}marts")
    for mart, duck in marts.items():
        postgres = data.read_mart(source, mart)
        assert list(postgres.columns) == list(duck.columns), mart
        if mart in PYTHON_ENGINE_MARTS:  # on Postgres one row: the note
            assert postgres["note"].notna().all(), mart
            continue
        assert len(postgres) == len(duck), mart
        for column in duck.columns:
            kind = pd.api.types.is_numeric_dtype(duck[column]), pd.api.types.is_datetime64_any_dtype(duck[column])
            assert (
                pd.api.types.is_numeric_dtype(postgres[column]),
                pd.api.types.is_datetime64_any_dtype(postgres[column]),
            ) == kind, (mart, column)
