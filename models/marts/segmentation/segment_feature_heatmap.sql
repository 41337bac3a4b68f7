-- Segment x model feature: the standardized centroid (the heatmap's colour) and the raw mean
-- of the feature in the segment at the reference month (the label people read), with the
-- feature's business label and unit (seg_feature_labels): what customers owe reads as a
-- positive liability ('Mortgage owed'), never as a negative balance.
{{ reference_month_config() }}
{%- set levels = categorical_levels() %}
-- depends_on: {{ ref('seg_reference_inputs') }}, {{ ref('seg_reference_keys') }}
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

labels as (

    select * from {{ ref('seg_feature_labels') }}

),

stats as (

    select * from {{ ref('seg_segment_feature_stats') }}

),

training as (

    select * from {{ ref('seg_training_features') }}

),

scored as (

    select * from {{ ref('seg_customer_month_segments') }}

),

-- The one-hot levels' raw means (shares of the segment at the level); numeric features' come from stats.
level_means as (

    {% for level in levels %}
    select
        scored.segment_id,
        '{{ level.feature }}' as feature,
        {{ exact_avg("case when coalesce(cast(training." ~ level.source ~ " as " ~ dbt.type_string() ~ "), 'unknown') = '" ~ level.level ~ "' then 1 else 0 end") }} as raw_mean
    from training
    inner join scored
        on
            training.customer_id = scored.customer_id
            and training.reference_month = scored.month_date
    group by scored.segment_id
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as {{ dbt.type_int() }}) as segment_id,
        cast(null as {{ dbt.type_string() }}) as feature,
        cast(null as {{ type_double() }}) as raw_mean
    where 1 = 0
    {% endfor %}

),

raw_means as (

    select
        segment_id,
        feature,
        raw_mean
    from stats

    union all

    select
        segment_id,
        feature,
        raw_mean
    from level_means

),

final as (

    select
        centroids.segment_id,
        -- varchar, the contract's type: Postgres's type_string() is text, which an incremental
        -- run (reference_month_config) would take for a change of the table's columns.
        cast(names.segment_name as varchar) as segment_name,
        cast(centroids.feature as varchar) as feature,
        cast(preprocessing.source_column as varchar) as source_column,
        cast(preprocessing.kind as varchar) as feature_kind,
        cast(preprocessing.level as varchar) as feature_level,
        cast(labels.feature_label as varchar) as feature_label,
        cast(labels.feature_group as varchar) as feature_group,
        cast(centroids.centroid as {{ type_double() }}) as standardized_value,
        -- one-hot levels are left unscaled: their centroid is the segment's share at the level
        cast(
            case when preprocessing.kind = 'one_hot' then 'share of customers' else 'standard deviations' end
            as varchar
        ) as value_unit,
        cast(raw_means.raw_mean as {{ type_double() }}) as raw_mean,
        cast(labels.unit as varchar) as raw_unit
    from centroids
    inner join names on centroids.segment_id = names.segment_id
    inner join preprocessing on centroids.feature = preprocessing.feature
    inner join labels on centroids.feature = labels.feature
    left join raw_means
        on
            centroids.segment_id = raw_means.segment_id
            and centroids.feature = raw_means.feature

)

select * from final
{{ reference_inputs_changed() }}
