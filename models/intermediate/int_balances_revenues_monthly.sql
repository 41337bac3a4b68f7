{#- Balance and revenue per customer and month: one column per product type and the total. -#}
{#- Incremental on the month: a run computes the months the base models wrote after this
    table was last built (new months, and restated ones: macros/incremental.sql). -#}
{{ month_incremental_config(post_hook="{{ delete_removed_customers(ref('base_bank__customer_roster')) }}") }}
{%- set product_types = product_types() %}
-- depends_on: {{ bank_input('products') }}

{% if is_incremental() %}
with months_written as (

    select month_date from {{ ref('stg_bank__balances') }}
    where built_at > {{ last_built_at(this) }}

    union

    select month_date from {{ ref('stg_bank__revenues') }}
    where built_at > {{ last_built_at(this) }}

),

balances as (

    select * from {{ ref('stg_bank__balances') }}
    where month_date in (select months_written.month_date from months_written)

),

revenues as (

    select * from {{ ref('stg_bank__revenues') }}
    where month_date in (select months_written.month_date from months_written)

),
{% else %}
with balances as (

    select * from {{ ref('stg_bank__balances') }}

),

revenues as (

    select * from {{ ref('stg_bank__revenues') }}

),
{% endif %}

products as (

    select * from {{ ref('stg_bank__products') }}

),

-- Each fact is pivoted on its own and the two joined: one aggregate over both facts holds
-- every pivoted sum for every customer-month at once, and at a million customers that state
-- no longer fits in memory (measured 66 s against 42 s this way).
{% for fact, amount_column in [('balances', 'balance'), ('revenues', 'revenue')] %}
{{ fact }}_by_type as (

    select
        -- no total here: it is added up from these columns below (one aggregate state fewer)
        {% for product_type in product_types %}
        cast(
            coalesce(sum(case when products.product_type = '{{ product_type }}' then {{ fact }}.{{ amount_column }} end), 0)
            as {{ dbt.type_numeric() }}
        ) as {{ amount_column }}_{{ product_type }},
        {% endfor %}
        {{ fact }}.customer_id,
        {{ fact }}.month_date
    from {{ fact }}
    inner join products on {{ fact }}.product_id = products.product_id
    group by {{ fact }}.customer_id, {{ fact }}.month_date

),

{% endfor %}
final as (

    select
        coalesce(balances_by_type.customer_id, revenues_by_type.customer_id) as customer_id,
        coalesce(balances_by_type.month_date, revenues_by_type.month_date) as month_date,
        {% for product_type in product_types %}
        cast(coalesce(balances_by_type.balance_{{ product_type }}, 0) as {{ dbt.type_numeric() }})
            as balance_{{ product_type }},
        {% endfor %}
        cast({{ total_of_product_types('balances_by_type', 'balance', product_types) }} as {{ dbt.type_numeric() }})
            as balance_total,
        {% for product_type in product_types %}
        cast(coalesce(revenues_by_type.revenue_{{ product_type }}, 0) as {{ dbt.type_numeric() }})
            as revenue_{{ product_type }},
        {% endfor %}
        cast({{ total_of_product_types('revenues_by_type', 'revenue', product_types) }} as {{ dbt.type_numeric() }})
            as revenue_total,
        {{ this_run_started_at() }} as built_at
    from balances_by_type
    full outer join revenues_by_type
        on
            balances_by_type.customer_id = revenues_by_type.customer_id
            and balances_by_type.month_date = revenues_by_type.month_date

)

select * from final
