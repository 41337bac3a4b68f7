{#- The training month: var('reference_date') or, by default, the month of the stored model
    (the latest fit in the registry, when refit_model is false and a fit exists), else the
    latest month in the data. A requested month outside the data stops the run here. -#}
{%- set requested = var_reference_date() -%}
{%- do assert_reference_month_in_data(requested) -%}
{%- set stored = stored_model_month() if requested is none else none -%}

with months as (

    select * from {{ ref('int_months') }}

),

chosen as (

    {% if requested is not none %}
    select cast('{{ requested }}' as date) as reference_month
    {% elif stored is not none %}
    select cast('{{ stored }}' as date) as reference_month
    {% else %}
    select max(month_date) as reference_month from months
    {% endif %}

),

final as (

    select
        months.month_date as reference_month,
        months.lookback_start,
        months.month_number,
        {{ var_int('lookback_months', 1, 120) }} as lookback_months
    from months
    inner join chosen on months.month_date = chosen.reference_month

)

select * from final
