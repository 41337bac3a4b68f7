-- One row per segment at the reference month: size, share, name and the means and totals
-- of the key raw features; balances as assets, liabilities (what customers owe, positive) and net.

with customers as (

    select * from {{ ref('customer_segments') }}

),

names as (

    select * from {{ ref('seg_segment_names') }}

),

profiles as (

    select
        segment_id,
        cast(count(*) as {{ dbt.type_int() }}) as customers,
        {{ exact_avg('age_years') }} as avg_age_years,
        {{ exact_avg('tenure_months') }} as avg_tenure_months,
        {{ exact_avg('annual_income') }} as avg_annual_income,
        {{ exact_avg('products_held_total') }} as avg_products_held,
        {{ exact_avg('product_types_held') }} as avg_product_types_held,
        cast(sum(balance_assets) as {{ dbt.type_numeric() }}) as total_assets,
        cast(sum(balance_liabilities) as {{ dbt.type_numeric() }}) as total_liabilities,
        cast(sum(balance_net) as {{ dbt.type_numeric() }}) as net_balance,
        {{ exact_avg('balance_net') }} as avg_net_balance,
        cast(sum(revenue_total) as {{ dbt.type_numeric() }}) as total_revenue,
        {{ exact_avg('revenue_total') }} as avg_revenue,
        {{ exact_avg('revenue_total_avg') }} as avg_monthly_revenue_lookback,
        {{ share('sum(case when is_activity_falling then 1 else 0 end)', 'count(*)') }} as share_activity_falling,
        {{ share('sum(case when is_borderline then 1 else 0 end)', 'count(*)') }} as share_borderline,
        {{ share('sum(case when is_outlier then 1 else 0 end)', 'count(*)') }} as share_outlier
    from customers
    group by segment_id

),

final as (

    select
        profiles.segment_id,
        names.segment_name,
        names.segment_description,
        names.is_user_named,
        profiles.customers,
        cast(profiles.customers as {{ type_double() }}) / sum(profiles.customers) over () as customer_share,
        {{ share('profiles.total_revenue', 'sum(profiles.total_revenue) over ()') }} as revenue_share,
        {{ share('profiles.total_assets', 'sum(profiles.total_assets) over ()') }} as asset_share,
        profiles.avg_age_years,
        profiles.avg_tenure_months,
        profiles.avg_annual_income,
        profiles.avg_products_held,
        profiles.avg_product_types_held,
        profiles.total_assets,
        profiles.total_liabilities,
        profiles.net_balance,
        profiles.avg_net_balance,
        profiles.total_revenue,
        profiles.avg_revenue,
        profiles.avg_monthly_revenue_lookback,
        profiles.share_activity_falling,
        profiles.share_borderline,
        profiles.share_outlier
    from profiles
    inner join names on profiles.segment_id = names.segment_id

)

select * from final
