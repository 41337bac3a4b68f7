"""Model diagnostics over a range of k: inertia (elbow), silhouette, Davies-Bouldin,
Calinski-Harabasz, on the same training matrix and seed as the segmentation."""

import kmeans_helpers as km


def model(dbt, session):
    dbt.config(materialized="table", packages=["scikit-learn", "pandas", "numpy", "scipy", "threadpoolctl"])
    # Literal config.get calls, one per line: dbt ships only the keys it finds read this way.
    settings = km.FitSettings.from_config(
        n_clusters=dbt.config.get("n_clusters"),
        random_seed=dbt.config.get("random_seed"),
        n_init=dbt.config.get("n_init"),
        max_iter=dbt.config.get("max_iter"),
    )
    k_min = int(dbt.config.get("k_min"))
    k_max = int(dbt.config.get("k_max"))
    silhouette_sample = int(dbt.config.get("silhouette_sample"))
    matrix = km.to_pandas(dbt.ref("seg_training_matrix"))
    return km.k_diagnostics(matrix, range(k_min, k_max + 1), settings, silhouette_sample)
