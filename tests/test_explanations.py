"""Why each customer is where they are: the second-nearest segment, the assignment margin,
borderline and outlier flags, and the three features that keep the customer in its segment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import DuckdbBuild


def query(build: DuckdbBuild, sql: str) -> pd.DataFrame:
    with build.connect() as connection:
        return connection.execute(sql).df()


def test_every_active_customer_has_a_second_segment_a_margin_and_three_reasons(duckdb_build: DuckdbBuild) -> None:
    customers = query(duckdb_build, "select * from marts.customer_segments")
    assert customers[["second_segment_id", "distance_to_second_segment", "assignment_margin"]].notna().all().all()
    assert (customers["second_segment_id"] != customers["segment_id"]).all()
    assert (customers["distance_to_second_segment"] >= customers["distance_to_centroid"]).all()
    assert customers["assignment_margin"].between(0, 1).all()
    assert (customers["top_reasons"].str.split("; ").str.len() == 3).all()
    assert not customers["top_reasons"].str.contains("f_").any()
    borderline = customers["assignment_margin"] < 0.1
    assert (customers["is_borderline"] == borderline).all()
    # the 99th percentile per segment: about 1% of the training customers beyond it
    assert 0.005 <= customers["is_outlier"].mean() <= 0.02


def test_reasons_by_hand_for_one_customer(duckdb_build: DuckdbBuild) -> None:
    customer = query(duckdb_build, "select * from marts.customer_segments order by customer_id limit 1").iloc[0]
    row = query(
        duckdb_build,
        f"select * from segment_model.seg_training_matrix where customer_id = {customer['customer_id']}",
    ).iloc[0]
    centroids = query(duckdb_build, "select * from segment_model.seg_centroids").pivot(
        index="feature", columns="segment_id", values="centroid"
    )
    x = row[centroids.index].astype(float)
    own, second = centroids[customer["segment_id"]], centroids[customer["second_segment_id"]]
    contribution = (x - second) ** 2 - (x - own) ** 2
    assert np.isclose(np.sqrt(((x - own) ** 2).sum()), customer["distance_to_centroid"])
    assert np.isclose(np.sqrt(((x - second) ** 2).sum()), customer["distance_to_second_segment"])
    labels = query(duckdb_build, "select feature, feature_label from segment_model.seg_feature_labels")
    labels = labels.set_index("feature")["feature_label"]
    top = contribution.sort_values(ascending=False, kind="stable").index[:3]
    assert customer["top_reasons"] == "; ".join(labels[feature] for feature in top)


def test_history_carries_the_margin_and_the_flags(duckdb_build: DuckdbBuild) -> None:
    history = query(
        duckdb_build,
        "select assignment_margin, is_borderline, is_outlier from marts.customer_segment_history",
    )
    assert history.notna().all().all() and history["assignment_margin"].between(0, 1).all()


def test_profiles_count_the_borderline_and_the_outliers(duckdb_build: DuckdbBuild) -> None:
    customers = query(duckdb_build, "select segment_id, is_borderline, is_outlier from marts.customer_segments")
    profiles = query(duckdb_build, "select * from marts.segment_profiles").set_index("segment_id")
    shares = customers.groupby("segment_id")[["is_borderline", "is_outlier"]].mean()
    assert np.allclose(profiles.loc[shares.index, "share_borderline"], shares["is_borderline"])
    assert np.allclose(profiles.loc[shares.index, "share_outlier"], shares["is_outlier"])
