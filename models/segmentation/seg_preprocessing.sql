{#- The model's preprocessing: the candidates' parameters (seg_preprocessing_candidates), with
    the features the stepwise screening drops (seg_feature_screening, the Python engine) left
    out when var feature_screening is apply; with report, the default, the screening is only
    reported (marts.segment_feature_screening) and this is the candidates as they are. -#}
{%- set screening_mode = feature_screening() %}

with candidates as (

    select * from {{ ref('seg_preprocessing_candidates') }}

),

{% if kmeans_engine() == 'python' -%}
screening as (

    select * from {{ ref('seg_feature_screening') }}

),

applied_drops as (

    select
        feature,
        'feature screening: ' || screening_reason as dropped_reason
    from screening
    where screening_drops and '{{ screening_mode }}' = 'apply'

),
{%- else -%}
-- The SQL engine runs no Python model; feature_screening apply needs the Python engine (macros/vars.sql).
applied_drops as (

    select
        cast(null as {{ dbt.type_string() }}) as feature,
        cast(null as {{ dbt.type_string() }}) as dropped_reason
    where 1 = 0

),
{%- endif %}

final as (

    select
        candidates.feature,
        candidates.source_column,
        candidates.kind,
        candidates.level,
        candidates.transform,
        candidates.center,
        candidates.scale,
        candidates.weight,
        candidates.is_used and applied_drops.feature is null as is_used,
        coalesce(candidates.dropped_reason, applied_drops.dropped_reason) as dropped_reason
    from candidates
    left join applied_drops on candidates.feature = applied_drops.feature

)

select * from final
