-- One row per active customer at the reference month: segment, tier and key features, and why
-- the customer is there: the second-nearest segment, the margin between the two, the borderline
-- and outlier flags and the three features that keep it in its segment.
{{ reference_month_config() }}
{%- set borderline_margin = var_share('borderline_margin') %}
-- depends_on: {{ ref('seg_reference_inputs') }}, {{ ref('seg_reference_keys') }}

with scored as (

    select * from {{ ref('seg_customer_month_segments') }}

),

features as (

    select * from {{ ref('int_customer_month_features') }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

names as (

    select * from {{ ref('seg_segment_names') }}

),

limits as (

    select * from {{ ref('seg_segment_distance_limits') }}

),

reasons as (

    select * from {{ ref('seg_customer_reasons') }}

),

final as (

    select
        scored.customer_id,
        reference.reference_month,
        scored.segment_id,
        -- varchar and numeric(28, 6), the contract's types: Postgres's type_string() is text, which an
        -- incremental run (reference_month_config) would take for a change of the table's columns.
        cast(names.segment_name as varchar) as segment_name,
        cast(features.tier as varchar) as tier,
        scored.distance_to_centroid,
        scored.second_segment_id,
        scored.distance_to_second_segment,
        scored.assignment_margin,
        scored.assignment_margin < {{ borderline_margin }} as is_borderline,
        scored.distance_to_centroid > limits.outlier_distance as is_outlier,
        cast(reasons.top_reasons as varchar) as top_reasons,
        features.age_years,
        features.tenure_months,
        cast(features.annual_income as numeric(28, 6)) as annual_income,
        features.products_held_total,
        features.product_types_held,
        cast(features.balance_assets as numeric(28, 6)) as balance_assets,
        cast(features.balance_liabilities as numeric(28, 6)) as balance_liabilities,
        cast(features.balance_net as numeric(28, 6)) as balance_net,
        features.balance_net_avg,
        cast(features.revenue_total as numeric(28, 6)) as revenue_total,
        features.revenue_total_avg,
        features.months_since_last_activity,
        features.is_activity_falling
    from scored
    inner join reference on scored.month_date = reference.reference_month
    inner join features
        on
            scored.customer_id = features.customer_id
            and scored.month_date = features.month_date
    inner join names on scored.segment_id = names.segment_id
    inner join limits on scored.segment_id = limits.segment_id
    left join reasons on scored.customer_id = reasons.customer_id

)

select * from final
{{ reference_inputs_changed() }}
