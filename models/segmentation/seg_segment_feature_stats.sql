{#- Segment x numeric model feature at the reference month, over the segment's customers: the
    raw mean, the share holding a non-zero value (e.g. holding a mortgage) and the shares above
    and below the training mean (standardized value > 0, < 0). What names, descriptions and the heatmap read:
    a name part must hold for most of its segment, and the figures that back it come from here. -#}
{%- set numeric_features = model_numeric_features() %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}

with training as (

    select * from {{ ref('seg_training_features') }}

),

standardized as (

    select * from {{ ref('seg_training_matrix') }}

),

scored as (

    select * from {{ ref('seg_customer_month_segments') }}

),

members as (

    select
        {% for feature in numeric_features %}
        training.{{ feature.source }},
        standardized.f_{{ feature.source }},
        {% endfor %}
        scored.segment_id
    from training
    inner join standardized
        on
            training.customer_id = standardized.customer_id
            and training.reference_month = standardized.reference_month
    inner join scored
        on
            training.customer_id = scored.customer_id
            and training.reference_month = scored.month_date

),

final as (

    {% for feature in numeric_features %}
    select
        segment_id,
        'f_{{ feature.source }}' as feature,
        cast(count(*) as {{ dbt.type_int() }}) as customers,
        cast({{ exact_avg(feature.source) }} as {{ type_double() }}) as raw_mean,
        {{ share('sum(case when ' ~ feature.source ~ ' <> 0 then 1 else 0 end)', 'count(*)') }} as share_nonzero,
        {{ share('sum(case when f_' ~ feature.source ~ ' > 0 then 1 else 0 end)', 'count(*)') }} as share_above_mean,
        {{ share('sum(case when f_' ~ feature.source ~ ' < 0 then 1 else 0 end)', 'count(*)') }} as share_below_mean
    from members
    group by segment_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
