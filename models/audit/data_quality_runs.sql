{{ config(materialized='incremental', unique_key='run_id') }}
{#- One row per dbt run that checked the inputs, so that a run without any issue is on record. -#}

select
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as run_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as run_started_at,
    cast('{{ var("input_schema", none) or "demo seeds" }}' as {{ dbt.type_string() }}) as input_source,
    {{ dq_as_of() }} as as_of_date
