{#- One row per mart over history (segment_history, segment_transitions,
    segment_transition_drivers, feature_drift): the start of its last run that succeeded, written
    by the mart's post-hooks (store_history_build in macros/incremental.sql). Each recomputes the
    months the scoring wrote after that, so a run that stopped half way is caught up by the next
    and a run with nothing new recomputes nothing. Created empty once; its own select never
    writes a row. Emptied (--full-refresh), those marts are computed again in full. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

select
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as {{ dbt.type_timestamp() }}) as built_at
where 1 = 0
