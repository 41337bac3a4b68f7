-- Segment x model feature: the standardized centroid (the heatmap's colour) and the raw mean
-- of the feature in the segment at the reference month (the label people read).
{%- set numeric_features = model_numeric_features() -%}
{%- set levels = categorical_levels() %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with centroids as (

    select * from {{ ref('seg_centroids') }}

),

names as (

    select * from {{ ref('seg_segment_names') }}

),

preprocessing as (

    select * from {{ ref('seg_preprocessing') }}

),

training as (

    select * from {{ ref('seg_training_features') }}

),

scored as (

    select * from {{ ref('seg_customer_month_segments') }}

),

labelled as (

    select
        training.*,
        scored.segment_id
    from training
    inner join scored
        on
            training.customer_id = scored.customer_id
            and training.reference_month = scored.month_date

),

raw_means as (

    {% for feature in numeric_features %}
    select
        segment_id,
        'f_{{ feature.source }}' as feature,
        {{ exact_avg(feature.source) }} as raw_mean
    from labelled
    group by segment_id
    {% if not loop.last or levels %}union all{% endif %}
    {% endfor %}
    {% for level in levels %}
    select
        segment_id,
        '{{ level.feature }}' as feature,
        {{ exact_avg("case when coalesce(cast(" ~ level.source ~ " as " ~ dbt.type_string() ~ "), 'unknown') = '" ~ level.level ~ "' then 1 else 0 end") }} as raw_mean
    from labelled
    group by segment_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        centroids.segment_id,
        names.segment_name,
        cast(centroids.feature as {{ dbt.type_string() }}) as feature,
        preprocessing.source_column,
        preprocessing.kind as feature_kind,
        preprocessing.level as feature_level,
        cast(centroids.centroid as {{ type_double() }}) as standardized_value,
        -- one-hot levels are left unscaled: their centroid is the segment's share at the level
        cast(
            case when preprocessing.kind = 'one_hot' then 'share of customers' else 'standard deviations' end
            as {{ dbt.type_string() }}
        ) as value_unit,
        cast(raw_means.raw_mean as {{ type_double() }}) as raw_mean
    from centroids
    inner join names on centroids.segment_id = names.segment_id
    inner join preprocessing on centroids.feature = preprocessing.feature
    left join raw_means
        on
            centroids.segment_id = raw_means.segment_id
            and centroids.feature = raw_means.feature

)

select * from final
