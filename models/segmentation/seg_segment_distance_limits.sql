{#- Per segment, the 99th percentile of its customers' distance to the centroid at the
    reference month (the training customers, scored with the model in force): a customer
    farther away is an outlier of the segment, BigQuery ML's anomaly flag done in portable SQL. -#}

with scored as (

    select * from {{ ref('seg_customer_month_segments') }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

final as (

    select
        scored.segment_id,
        cast(
            percentile_cont(0.99) within group (order by scored.distance_to_centroid) as {{ type_double() }}
        ) as outlier_distance
    from scored
    inner join reference on scored.month_date = reference.reference_month
    group by scored.segment_id

)

select * from final
