{#- The month the model in force is trained on, with its lookback window: var reference_date
    when set; else the month stored here by the previous run, so that adding a month scores it
    with the stored model; else (first build, --full-refresh or refit_model: true) the latest
    month of history. This table is its own registry: it reads only itself ({{ this }}) and
    int_months. A reference_date outside the data leaves it empty, which fails the
    error-severity test reference_date_is_a_month_of_the_data and stops what depends on it. -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='registry_key') }}
{%- set requested = var_reference_date() -%}
{%- set keeps_stored_month = is_incremental() and requested is none and not refit_model() %}

with months as (

    select * from {{ ref('int_months') }}

),

{% if keeps_stored_month %}
stored_month as (

    select previous_run.reference_month
    from {{ this }} as previous_run
    inner join months on previous_run.reference_month = months.month_date

),
{% endif %}

chosen as (

    {% if requested is not none %}
    select cast('{{ requested }}' as date) as reference_month
    {% elif keeps_stored_month %}
    select coalesce(max(stored_month.reference_month), max(months.month_date)) as reference_month
    from months
    left join stored_month on months.month_date = stored_month.reference_month
    {% else %}
    select max(month_date) as reference_month from months
    {% endif %}

),

final as (

    select
        months.month_date as reference_month,
        months.lookback_start,
        months.month_number,
        cast({{ var_int('lookback_months', 1, 120) }} as {{ dbt.type_int() }}) as lookback_months,
        'in_force' as registry_key
    from months
    inner join chosen on months.month_date = chosen.reference_month

)

select * from final
