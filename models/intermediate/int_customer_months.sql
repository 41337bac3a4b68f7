{#- The customer x month spine: every customer in every month of history from the month the
    relationship began, with demographics at that month. Incremental on the month: a run adds
    the months after the last one stored. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='month_date',
    on_schema_change='fail',
) }}
{%- set watermark = month_watermark() if is_incremental() else none -%}


with customers as (

    select * from {{ ref('stg_bank__customers') }}

),

months as (

    select * from {{ ref('int_months') }}
    {% if watermark is not none %}
    where month_date > cast('{{ watermark }}' as date)
    {% endif %}

),

final as (

    select
        customers.customer_id,
        months.month_date,
        cast({{ age_in_years('customers.birth_date', 'months.month_date') }} as {{ dbt.type_int() }}) as age_years,
        cast({{ dbt.datediff('customers.customer_since', 'months.month_date', 'month') }} as {{ dbt.type_int() }}) as tenure_months,
        customers.birth_date,
        customers.customer_since,
        customers.tier,
        customers.annual_income,
        customers.gender,
        customers.marital_status,
        customers.occupation,
        customers.region
    from customers
    inner join months on customers.customer_since <= months.month_date

)

select * from final
