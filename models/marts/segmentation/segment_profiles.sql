-- One row per segment at the reference month: size, share, name and the means and totals
-- of the key raw features.

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
        cast(sum(balance_total) as {{ dbt.type_numeric() }}) as total_balance,
        {{ exact_avg('balance_total') }} as avg_balance,
        cast(sum(revenue_total) as {{ dbt.type_numeric() }}) as total_revenue,
        {{ exact_avg('revenue_total') }} as avg_revenue,
        {{ exact_avg('revenue_total_avg') }} as avg_monthly_revenue_lookback
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
        profiles.avg_age_years,
        profiles.avg_tenure_months,
        profiles.avg_annual_income,
        profiles.avg_products_held,
        profiles.avg_product_types_held,
        profiles.total_balance,
        profiles.avg_balance,
        profiles.total_revenue,
        profiles.avg_revenue,
        profiles.avg_monthly_revenue_lookback
    from profiles
    inner join names on profiles.segment_id = names.segment_id

)

select * from final
