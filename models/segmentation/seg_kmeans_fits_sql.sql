{#- The registry of fits written by the SQL KMeans engine (kmeans_engine = 'sql'): the same
    rows as the Python engine's seg_kmeans_fits, computed in the warehouse by run_query loops
    (macros/kmeans_sql.sql). Incremental: a new reference month adds a fit with matched ids. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='reference_month',
    enabled=kmeans_engine() == 'sql',
) }}
{#- Fit only when the model is built: compile and docs generate would otherwise refit. -#}
{#- A stored fit at the reference month with the same settings is kept (var refit_model). -#}
{%- set fitting = execute and flags.WHICH in ['run', 'build'] -%}
{%- set reuse = fitting and is_incremental() and stored_fit_is_reusable(this, ref('seg_training_matrix')) -%}
{%- set rows = sql_kmeans_registry_rows(ref('seg_training_matrix'), this if is_incremental() else none) if fitting and not reuse else [] %}
-- depends_on: {{ ref('seg_training_matrix') }}

{% if reuse %}
select * from {{ this }}
where reference_month = (select max(matrix.reference_month) from {{ ref('seg_training_matrix') }} as matrix)
{% else %}
{% for row in rows %}
select
    cast({{ row.fit_number }} as {{ dbt.type_int() }}) as fit_number,
    cast('{{ row.reference_month }}' as date) as reference_month,
    cast({{ row.segment_id }} as {{ dbt.type_int() }}) as segment_id,
    cast('{{ row.feature }}' as {{ dbt.type_string() }}) as feature,
    {{ float_literal(row.centroid) }} as centroid,
    cast({{ row.cluster_size }} as {{ dbt.type_int() }}) as cluster_size,
    cast({{ row.n_clusters }} as {{ dbt.type_int() }}) as n_clusters,
    cast({{ row.random_seed }} as {{ dbt.type_bigint() }}) as random_seed,
    cast({{ row.n_init }} as {{ dbt.type_int() }}) as n_init,
    cast({{ row.max_iter }} as {{ dbt.type_int() }}) as max_iter,
    cast({{ row.training_rows }} as {{ dbt.type_int() }}) as training_rows,
    {{ float_literal(row.inertia) }} as inertia,
    cast({{ row.n_iter }} as {{ dbt.type_int() }}) as n_iter,
    cast('{{ row.reference_month }}' as date) as fitted_at
{{ "union all" if not loop.last }}
{% else %}
select
    cast(null as {{ dbt.type_int() }}) as fit_number,
    cast(null as date) as reference_month,
    cast(null as {{ dbt.type_int() }}) as segment_id,
    cast(null as {{ dbt.type_string() }}) as feature,
    cast(null as {{ type_double() }}) as centroid,
    cast(null as {{ dbt.type_int() }}) as cluster_size,
    cast(null as {{ dbt.type_int() }}) as n_clusters,
    cast(null as {{ dbt.type_bigint() }}) as random_seed,
    cast(null as {{ dbt.type_int() }}) as n_init,
    cast(null as {{ dbt.type_int() }}) as max_iter,
    cast(null as {{ dbt.type_int() }}) as training_rows,
    cast(null as {{ type_double() }}) as inertia,
    cast(null as {{ dbt.type_int() }}) as n_iter,
    cast(null as date) as fitted_at
where 1 = 0
{% endfor %}
{% endif %}
