-- Is KMeans the right method? At the model's k, KMeans against Ward agglomerative clustering
-- (fitted on a sample of at most var('method_sample') customers: Ward needs n^2 memory) and a
-- Gaussian mixture, all scored on that sample (seg_model_checks, the Python engine). The SQL
-- engine runs no Python model: there this mart holds one row whose note says so.

{% if kmeans_engine() == 'python' -%}
with checks as (

    select * from {{ ref('seg_model_checks') }}

),

summary as (

    select * from {{ ref('seg_model_summary') }}

),

final as (

    select
        cast(checks.item as {{ dbt.type_string() }}) as clustering_method,
        cast(checks.k as {{ dbt.type_int() }}) as k,
        cast(checks.silhouette as {{ type_double() }}) as silhouette,
        cast(checks.davies_bouldin as {{ type_double() }}) as davies_bouldin,
        cast(checks.calinski_harabasz as {{ type_double() }}) as calinski_harabasz,
        cast(checks.smallest_segment_share as {{ type_double() }}) as smallest_segment_share,
        cast(checks.agreement_with_kmeans as {{ type_double() }}) as agreement_with_kmeans,
        cast(checks.fitted_customers as {{ dbt.type_int() }}) as fitted_customers,
        cast(checks.evaluated_customers as {{ dbt.type_int() }}) as evaluated_customers,
        checks.item = 'kmeans' as is_in_use,
        cast(checks.reference_month as date) as reference_month,
        cast(null as {{ dbt.type_string() }}) as note
    from checks
    -- the checks table keeps every reference month's rows; the current one is shown
    inner join summary on checks.reference_month = summary.reference_month
    where checks.check_kind = 'method'

)
{%- else -%}
with final as (

    select
        cast(null as {{ dbt.type_string() }}) as clustering_method,
        cast(null as {{ dbt.type_int() }}) as k,
        cast(null as {{ type_double() }}) as silhouette,
        cast(null as {{ type_double() }}) as davies_bouldin,
        cast(null as {{ type_double() }}) as calinski_harabasz,
        cast(null as {{ type_double() }}) as smallest_segment_share,
        cast(null as {{ type_double() }}) as agreement_with_kmeans,
        cast(null as {{ dbt.type_int() }}) as fitted_customers,
        cast(null as {{ dbt.type_int() }}) as evaluated_customers,
        cast(null as boolean) as is_in_use,
        cast(null as date) as reference_month,
        cast(
            'Not computed: the SQL KMeans engine runs no Python model (kmeans_engine sql, the default on Postgres)'
            as {{ dbt.type_string() }}
        ) as note

)
{%- endif %}

select * from final
