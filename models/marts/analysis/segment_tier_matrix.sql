-- Segment x business tier at the reference month: how data-driven segments relate to the
-- bank's tiers, in customers, revenue and balance, each cell as a share of its segment and of
-- its tier (customers and revenue).

with customers as (

    select * from {{ ref('customer_segments') }}

),

cells as (

    select
        segment_id,
        segment_name,
        tier,
        cast(count(*) as {{ dbt.type_int() }}) as customers,
        cast(sum(revenue_total) as {{ dbt.type_numeric() }}) as total_revenue,
        {{ exact_avg('revenue_total') }} as avg_revenue,
        cast(sum(balance_total) as {{ dbt.type_numeric() }}) as total_balance
    from customers
    group by segment_id, segment_name, tier

),

final as (

    select
        segment_id,
        segment_name,
        tier,
        customers,
        {{ share('customers', 'sum(customers) over (partition by segment_id)') }} as share_of_segment,
        {{ share('customers', 'sum(customers) over (partition by tier)') }} as share_of_tier,
        {{ share('total_revenue', 'sum(total_revenue) over (partition by segment_id)') }} as revenue_share_of_segment,
        {{ share('total_revenue', 'sum(total_revenue) over (partition by tier)') }} as revenue_share_of_tier,
        total_revenue,
        avg_revenue,
        total_balance
    from cells

)

select * from final
