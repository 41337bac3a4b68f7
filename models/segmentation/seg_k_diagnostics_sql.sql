{#- Model diagnostics over a range of k computed in SQL (kmeans_engine = 'sql'): the same
    columns as the Python engine's seg_k_diagnostics, on the same customers
    (seg_diagnostics_matrix). -#}
{#- Incremental on the reference month: a monthly run (refit_model false) keeps the stored
    diagnostics of the reference month and k range instead of computing them again. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='reference_month',
    enabled=kmeans_engine() == 'sql',
) }}
{#- Fit only when the model is built: compile and docs generate would otherwise refit. -#}
{%- set fitting = execute and flags.WHICH in ['run', 'build'] -%}
{%- set reuse = fitting and is_incremental() and stored_diagnostics_are_reusable(this, ref('seg_diagnostics_matrix')) -%}
{%- set rows = sql_k_diagnostics_rows(ref('seg_diagnostics_matrix')) if fitting and not reuse else [] %}
-- depends_on: {{ ref('seg_diagnostics_matrix') }}

{% if reuse %}
select * from {{ this }}
where reference_month = (select max(matrix.reference_month) from {{ ref('seg_diagnostics_matrix') }} as matrix)
{% else %}

{% for row in rows %}
select
    cast({{ row.k }} as {{ dbt.type_int() }}) as k,
    {{ float_literal(row.inertia) }} as inertia,
    {{ float_literal(row.silhouette) }} as silhouette,
    {{ float_literal(row.davies_bouldin) }} as davies_bouldin,
    {{ float_literal(row.calinski_harabasz) }} as calinski_harabasz,
    cast({{ row.silhouette_sample_size }} as {{ dbt.type_int() }}) as silhouette_sample_size,
    cast({{ row.fitted_customers }} as {{ dbt.type_int() }}) as fitted_customers,
    cast('{{ row.reference_month }}' as date) as reference_month
{{ "union all" if not loop.last }}
{% else %}
select
    cast(null as {{ dbt.type_int() }}) as k,
    cast(null as {{ type_double() }}) as inertia,
    cast(null as {{ type_double() }}) as silhouette,
    cast(null as {{ type_double() }}) as davies_bouldin,
    cast(null as {{ type_double() }}) as calinski_harabasz,
    cast(null as {{ dbt.type_int() }}) as silhouette_sample_size,
    cast(null as {{ dbt.type_int() }}) as fitted_customers,
    cast(null as date) as reference_month
where 1 = 0
{% endfor %}
{% endif %}
