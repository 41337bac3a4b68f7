-- One row per valid input customer (stg_bank__customers): the customer columns, whether the
-- customer is active at the reference month, the segment (null for the inactive), holdings
-- per product type and the features a propensity model reads, for a next-best-offer model.
{%- set columns = customer_month_feature_columns() %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}

with customers as (

    select * from {{ ref('stg_bank__customers') }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

features as (

    select * from {{ ref('int_customer_month_features') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

-- A customer whose relationship began after the reference month has no feature row: kept, inactive.
final as (

    select
        customers.customer_id,
        customers.birth_date,
        customers.customer_since,
        customers.tier,
        customers.annual_income,
        customers.gender,
        customers.marital_status,
        customers.occupation,
        customers.region,
        reference.reference_month,
        coalesce(features.is_active, false) as is_active,
        segments.segment_id,
        segments.segment_name,
        segments.distance_to_centroid,
        features.age_years,
        features.tenure_months,
        {% for column_name in columns.holdings %}
        features.{{ column_name }},
        {% endfor %}
        features.balance_assets,
        features.balance_liabilities,
        features.balance_net,
        features.balance_net_avg,
        features.revenue_total,
        features.revenue_total_avg,
        {% for column_name in columns.activity %}
        features.{{ column_name }}_avg,
        {% endfor %}
        features.customer_id is not null as has_features
    from customers
    cross join reference
    left join features
        on
            customers.customer_id = features.customer_id
            and reference.reference_month = features.month_date
    left join segments on customers.customer_id = segments.customer_id

)

select * from final
