-- The segment of every active customer in every scored month, with the current model.
-- Incremental on the month: a run adds the months after the last one stored. When the model,
-- the reference month or a segment name changed, every month is rebuilt (history_is_current).
{{ month_incremental_config() }}
{%- set watermark = none -%}
{%- if is_incremental() and history_is_current(this, ref('seg_customer_month_segments'), ref('int_reference_month'), ref('seg_segment_names')) -%}
{%- set watermark = month_watermark() -%}
{%- endif -%}
{%- do record_months_built(watermark) %}

with scored as (

    select * from {{ ref('seg_customer_month_segments') }}
    {% if watermark is not none %}
    where month_date > cast('{{ watermark }}' as date)
    {% endif %}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

names as (

    select * from {{ ref('seg_segment_names') }}

),

final as (

    select
        scored.customer_id,
        scored.month_date,
        scored.segment_id,
        names.segment_name,
        scored.distance_to_centroid,
        scored.month_date = reference.reference_month as is_reference_month
    from scored
    cross join reference
    inner join names on scored.segment_id = names.segment_id

)

select * from final
