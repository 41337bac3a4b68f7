-- Segment x business tier at the reference month: how data-driven segments relate to the
-- bank's tiers, in customers, revenue, assets, liabilities and net balance, each cell as a
-- share of its segment and of its tier (customers, revenue and assets).

with customers as (

    select * from {{ ref('customer_segments') }}

),

tiers as (

    select * from {{ ref('int_tiers') }}

),

cells as (

    select
        segment_id,
        segment_name,
        tier,
        cast(count(*) as {{ dbt.type_int() }}) as customers,
        cast(sum(revenue_total) as {{ dbt.type_numeric() }}) as total_revenue,
        {{ exact_avg('revenue_total') }} as avg_revenue,
        cast(sum(balance_assets) as {{ dbt.type_numeric() }}) as total_assets,
        cast(sum(balance_liabilities) as {{ dbt.type_numeric() }}) as total_liabilities,
        cast(sum(balance_net) as {{ dbt.type_numeric() }}) as net_balance
    from customers
    group by segment_id, segment_name, tier

),

final as (

    select
        cells.segment_id,
        cells.segment_name,
        cells.tier,
        tiers.tier_rank,
        cells.customers,
        {{ share('cells.customers', 'sum(cells.customers) over (partition by cells.segment_id)') }} as share_of_segment,
        {{ share('cells.customers', 'sum(cells.customers) over (partition by cells.tier)') }} as share_of_tier,
        {{ share('cells.total_revenue', 'sum(cells.total_revenue) over (partition by cells.segment_id)') }}
            as revenue_share_of_segment,
        {{ share('cells.total_revenue', 'sum(cells.total_revenue) over (partition by cells.tier)') }}
            as revenue_share_of_tier,
        {{ share('cells.total_assets', 'sum(cells.total_assets) over (partition by cells.segment_id)') }}
            as asset_share_of_segment,
        {{ share('cells.total_assets', 'sum(cells.total_assets) over (partition by cells.tier)') }}
            as asset_share_of_tier,
        cells.total_revenue,
        cells.avg_revenue,
        cells.total_assets,
        cells.total_liabilities,
        cells.net_balance
    from cells
    inner join tiers on cells.tier = tiers.tier

)

select * from final
