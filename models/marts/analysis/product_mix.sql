-- What each segment and each tier holds, owes and earns, per product type, at the reference month.
{%- set product_types = product_types() %}
-- depends_on: {{ bank_input('products') }}

with customers as (

    select * from {{ ref('customer_segments') }}

),

features as (

    select * from {{ ref('int_customer_month_features') }}

),

product_types as (

    select * from {{ ref('int_product_types') }}

),

-- Joined once, then unpivoted: a join per product type read every month of the features.
customer_features as (

    select
        {% for product_type in product_types %}
        features.products_held_{{ product_type }},
        features.balance_{{ product_type }},
        features.revenue_{{ product_type }},
        {% endfor %}
        customers.customer_id,
        customers.segment_id,
        customers.segment_name,
        customers.tier
    from customers
    inner join features
        on
            customers.customer_id = features.customer_id
            and customers.reference_month = features.month_date

),

per_type as (

    {% for product_type in product_types %}
    select
        customer_id,
        segment_id,
        segment_name,
        tier,
        '{{ product_type }}' as product_type,
        products_held_{{ product_type }} as products_held,
        balance_{{ product_type }} as balance,
        revenue_{{ product_type }} as revenue
    from customer_features
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

grouped as (

    {{ by_segment_and_tier('per_type', ['product_type', 'products_held', 'balance', 'revenue']) }}

),

final as (

    select
        grouped.grouping,
        grouped.group_key,
        grouped.group_label,
        cast(grouped.group_rank as {{ dbt.type_int() }}) as group_rank,
        grouped.product_type,
        product_types.product_label,
        product_types.is_liability,
        cast(count(*) as {{ dbt.type_int() }}) as customers,
        cast(sum(case when grouped.products_held > 0 then 1 else 0 end) as {{ dbt.type_int() }}) as holders,
        {{ share('sum(case when grouped.products_held > 0 then 1 else 0 end)', 'count(*)') }} as holding_rate,
        -- a type is all assets or all liabilities (test on stg_bank__products); liabilities positive
        cast(sum(case when product_types.is_liability then 0 else grouped.balance end) as {{ dbt.type_numeric() }})
            as total_assets,
        cast(sum(case when product_types.is_liability then grouped.balance else 0 end) as {{ dbt.type_numeric() }})
            as total_liabilities,
        cast(sum(case when product_types.is_liability then -grouped.balance else grouped.balance end) as {{ dbt.type_numeric() }})
            as net_balance,
        {{ exact_avg('case when grouped.products_held > 0 then grouped.balance end') }} as avg_balance_per_holder,
        cast(sum(grouped.revenue) as {{ dbt.type_numeric() }}) as total_revenue,
        {{ exact_avg('case when grouped.products_held > 0 then grouped.revenue end') }} as avg_revenue_per_holder
    from grouped
    inner join product_types on grouped.product_type = product_types.product_type
    group by
        grouped.grouping,
        grouped.group_key,
        grouped.group_label,
        grouped.group_rank,
        grouped.product_type,
        product_types.product_label,
        product_types.is_liability

)

select * from final
