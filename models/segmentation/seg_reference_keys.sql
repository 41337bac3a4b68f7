{#- One row per reference-month model (reference_month_config in macros/incremental.sql): the
    inputs key (seg_reference_inputs, with the model's own SQL) its stored rows were computed
    from, written by that model's post-hook. Created empty once; its own select never writes a
    row. Emptied (--full-refresh), every reference-month model is computed again. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

select
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as {{ dbt.type_string() }}) as inputs_key
where 1 = 0
