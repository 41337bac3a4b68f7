{#- The training month: var('reference_date') or, by default, the latest month in the data.
    A requested month outside the data stops the run here, naming the var. -#}
{%- set requested = var_reference_date() -%}
{%- do assert_reference_month_in_data(requested) -%}

with months as (

    select * from {{ ref('int_months') }}

),

chosen as (

    {% if requested is none %}
    select max(month_date) as reference_month from months
    {% else %}
    select cast('{{ requested }}' as date) as reference_month
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
