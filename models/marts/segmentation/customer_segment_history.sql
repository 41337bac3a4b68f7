-- The segment of every active customer in every scored month, with the model in force: a view
-- over the scored months, so a refit, another reference month or a renamed segment shows in
-- every month at once without rewriting history.
{{ config(materialized='view') }}
{%- set borderline_margin = var_share('borderline_margin') %}

with scored as (

    select * from {{ ref('seg_customer_month_segments') }}

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

final as (

    select
        scored.customer_id,
        scored.month_date,
        scored.segment_id,
        names.segment_name,
        scored.distance_to_centroid,
        scored.assignment_margin,
        scored.assignment_margin < {{ borderline_margin }} as is_borderline,
        scored.distance_to_centroid > limits.outlier_distance as is_outlier,
        scored.month_date = reference.reference_month as is_reference_month
    from scored
    cross join reference
    inner join names on scored.segment_id = names.segment_id
    inner join limits on scored.segment_id = limits.segment_id

)

select * from final
