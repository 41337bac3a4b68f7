-- Version 1, deprecated (models/marts/analysis/_analysis__marts.yml): one row per active
-- customer at the reference month. Version 2 has every valid input customer.

with customers as (

    select * from {{ ref('customer_segments') }}

),

features as (

    select * from {{ ref('int_customer_month_features') }}

),

final as (

    select
        customers.customer_id,
        features.birth_date,
        features.customer_since,
        features.tier,
        features.annual_income,
        features.gender,
        features.marital_status,
        features.occupation,
        features.region,
        customers.reference_month,
        customers.segment_id,
        customers.segment_name,
        customers.distance_to_centroid,
        features.age_years,
        features.tenure_months,
        features.products_held_total,
        features.product_types_held,
        features.products_opened_in_window,
        features.products_closed_in_window,
        features.balance_net as balance_total,
        features.balance_net_avg as balance_total_avg,
        features.revenue_total,
        features.revenue_total_avg
    from customers
    inner join features
        on
            customers.customer_id = features.customer_id
            and customers.reference_month = features.month_date

)

select * from final
