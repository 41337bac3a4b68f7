{#- One row: what the reference-month models (reference_month_config in macros/incremental.sql)
    are computed from, and inputs_key, an md5 of all of it: the fit (fit_key: the training rows,
    the centroids' settings), the reference month's feature rows and score rows (how many, and
    when the month was last written: an incremental run writes a month again only when its rows
    changed, and a removed customer's rows go), the segment names and the feature labels. While
    the key is unchanged, adding a month recomputes none of those models. -#}
{%- set name_columns = ['segment_id', 'segment_name', 'segment_description', 'automatic_name', 'is_user_named'] -%}
{%- set label_columns = ['feature', 'feature_group', 'subject', 'is_liability', 'subject_words', 'feature_label'] %}

with reference as (

    select * from {{ ref('int_reference_month') }}

),

fit_inputs as (

    select * from {{ ref('seg_fit_inputs') }}

),

features as (

    select
        count(*) as feature_rows,
        max(built_at) as features_built_at
    from {{ ref('int_customer_month_features') }}
    where month_date = (select reference.reference_month from reference)

),

scores as (

    select
        count(*) as scored_rows,
        max(built_at) as scores_built_at
    from {{ ref('seg_customer_month_segments') }}
    where month_date = (select reference.reference_month from reference)

),

segment_names as (

    select cast(coalesce(sum({{ row_hash(name_columns) }}), 0) as {{ dbt.type_string() }}) as names_hash
    from {{ ref('seg_segment_names') }}

),

feature_labels as (

    select cast(coalesce(sum({{ row_hash(label_columns) }}), 0) as {{ dbt.type_string() }}) as labels_hash
    from {{ ref('seg_feature_labels') }}

),

final as (

    select
        reference.reference_month,
        fit_inputs.fit_key,
        features.feature_rows,
        features.features_built_at,
        scores.scored_rows,
        scores.scores_built_at,
        segment_names.names_hash,
        feature_labels.labels_hash,
        md5(
            cast(reference.reference_month as {{ dbt.type_string() }})
            || '|' || fit_inputs.fit_key
            || '|' || cast(features.feature_rows as {{ dbt.type_string() }})
            || '|' || coalesce(cast(features.features_built_at as {{ dbt.type_string() }}), 'never')
            || '|' || cast(scores.scored_rows as {{ dbt.type_string() }})
            || '|' || coalesce(cast(scores.scores_built_at as {{ dbt.type_string() }}), 'never')
            || '|' || segment_names.names_hash
            || '|' || feature_labels.labels_hash
        ) as inputs_key
    from reference
    cross join fit_inputs
    cross join features
    cross join scores
    cross join segment_names
    cross join feature_labels

)

select * from final
