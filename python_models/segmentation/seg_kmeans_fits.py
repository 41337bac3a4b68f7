"""The registry of KMeans fits: one row per fit, segment and feature (the centroid in the
standardized space), with the fit's summary on every row. Incremental: a new reference month
adds a fit whose segment ids are matched to the previous fit's, so segments keep their ids."""

import kmeans_helpers as km


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="reference_month",
        packages=["scikit-learn", "pandas", "numpy", "scipy", "threadpoolctl"],
    )
    # Literal config.get calls, one per line: dbt ships only the keys it finds read this way.
    settings = km.FitSettings.from_config(
        n_clusters=dbt.config.get("n_clusters"),
        random_seed=dbt.config.get("random_seed"),
        n_init=dbt.config.get("n_init"),
        max_iter=dbt.config.get("max_iter"),
    )
    matrix = km.to_pandas(dbt.ref("seg_training_matrix"))
    registry = km.to_pandas(session.sql(f"select * from {dbt.this}")) if dbt.is_incremental else None
    return km.fit_registry_rows(matrix, registry, settings)
