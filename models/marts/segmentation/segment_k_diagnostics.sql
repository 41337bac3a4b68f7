-- Fit quality for each k of the diagnostics range, to choose k (elbow on inertia; silhouette
-- and Calinski-Harabasz higher, Davies-Bouldin lower is better).

with diagnostics as (

    -- the diagnostics of the engine in use
    select * from {{ ref('seg_k_diagnostics') if kmeans_engine() == 'python' else ref('seg_k_diagnostics_sql') }}

),

summary as (

    select * from {{ ref('seg_model_summary') }}

),

final as (

    select
        cast(diagnostics.k as {{ dbt.type_int() }}) as k,
        cast(diagnostics.reference_month as date) as reference_month,
        cast(diagnostics.inertia as {{ type_double() }}) as inertia,
        cast(diagnostics.silhouette as {{ type_double() }}) as silhouette,
        cast(diagnostics.davies_bouldin as {{ type_double() }}) as davies_bouldin,
        cast(diagnostics.calinski_harabasz as {{ type_double() }}) as calinski_harabasz,
        cast(diagnostics.silhouette_sample_size as {{ dbt.type_int() }}) as silhouette_sample_size,
        cast(diagnostics.fitted_customers as {{ dbt.type_int() }}) as fitted_customers,
        cast(summary.random_seed as {{ dbt.type_int() }}) as random_seed,
        diagnostics.k = summary.n_clusters as is_chosen_k
    from diagnostics
    -- The diagnostics table keeps every reference month's rows; the current one is shown.
    inner join summary on diagnostics.reference_month = summary.reference_month

)

select * from final
