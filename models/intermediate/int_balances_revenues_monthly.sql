{#- Balance and revenue per customer and month: one column per product type and the total,
    both facts aggregated in one pass. -#}
{#- Incremental on the month: a run adds the months after the last one stored. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='month_date',
    on_schema_change='fail',
) }}
{%- set watermark = month_watermark() if is_incremental() else none -%}
{%- set product_types = product_types() -%}

with balances as (

    select * from {{ ref('stg_bank__balances') }}
    {% if watermark is not none %}
    where month_date > cast('{{ watermark }}' as date)
    {% endif %}

),

revenues as (

    select * from {{ ref('stg_bank__revenues') }}
    {% if watermark is not none %}
    where month_date > cast('{{ watermark }}' as date)
    {% endif %}

),

products as (

    select * from {{ ref('stg_bank__products') }}

),

amounts as (

    select
        customer_id,
        product_id,
        month_date,
        balance,
        cast(null as {{ dbt.type_numeric() }}) as revenue
    from balances

    union all

    select
        customer_id,
        product_id,
        month_date,
        cast(null as {{ dbt.type_numeric() }}) as balance,
        revenue
    from revenues

),

typed_amounts as (

    select
        amounts.customer_id,
        amounts.month_date,
        products.product_type,
        amounts.balance,
        amounts.revenue
    from amounts
    inner join products on amounts.product_id = products.product_id

),

final as (

    select
        customer_id,
        month_date,
        {{ sum_by_product_type('balance', 'balance', product_types) | indent(8) }},
        {{ sum_by_product_type('revenue', 'revenue', product_types) | indent(8) }}
    from typed_amounts
    group by customer_id, month_date

)

select * from final
