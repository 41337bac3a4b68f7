{#- Data tests of the month-grain tables check the months the build wrote, not all history:
    adding one month then costs one month of testing. Each incremental month-grain model
    below the marts' summaries records which months it (re)writes in audit.month_builds (one
    row per model and dbt invocation); segment_history and segment_transitions read those rows
    to recompute the same months (inputs_watermark). A test whose where config is '__months_built__' reads this invocation's rows
    (get_where_subquery). A full build, a full refresh, a refit that rescores every month, or a
    plain `dbt test` (which writes nothing) tests every month. Every month is thus tested by
    the build that wrote it. -#}

{% macro month_builds_relation() -%}
    {{ return(api.Relation.create(
        database=target.database,
        schema=generate_schema_name('audit', none),
        identifier='month_builds',
    )) }}
{%- endmacro %}


{% macro create_month_builds() -%}
    {#- on-run-start: the log table, created once. -#}
    {%- set log = month_builds_relation() -%}
    {%- do adapter.create_schema(log) -%}
    create table if not exists {{ log }} (
        invocation_id {{ dbt.type_string() }},
        model_name {{ dbt.type_string() }},
        rewritten_after date,
        recorded_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}


{% macro record_months_built(watermark) -%}
    {#- Called by a month-grain model with the month after which it writes ('YYYY-MM-DD'), or none
        when it writes every month. Only a dbt run or build writes the log; compile, show and
        the rendering of unit tests do not. -#}
    {%- if execute and flags.WHICH in ['run', 'build', 'retry'] and model.resource_type == 'model' -%}
        {%- set after = "cast('" ~ watermark ~ "' as date)" if watermark is not none else 'null' -%}
        {%- do run_query(
            "insert into " ~ month_builds_relation() ~ " (invocation_id, model_name, rewritten_after, recorded_at)"
            ~ " values ('" ~ invocation_id ~ "', '" ~ this.identifier ~ "', " ~ after ~ ", " ~ dbt.current_timestamp() ~ ")"
        ) -%}
    {%- endif -%}
{%- endmacro %}


{% macro months_built_condition() -%}
    {#- SQL condition on month_date keeping the months this invocation's models wrote; true (every
        month) when one of them wrote every month or none wrote anything. -#}
    {%- set rewritten_after = months_rewritten_by() -%}
    {{ return('1 = 1' if rewritten_after is none else "month_date > cast('" ~ rewritten_after ~ "' as date)") }}
{%- endmacro %}


{% macro get_where_subquery(relation) -%}
    {#- dbt's own, plus the placeholder __months_built__ (months_built_condition()). -#}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- if '__months_built__' in where -%}
            {%- set where = where | replace('__months_built__', months_built_condition()) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{% macro months_rewritten_by(model_names=none) -%}
    {#- The month after which this invocation's builds of model_names (default: every model that
        recorded one) (re)wrote rows, the earliest of them ('YYYY-MM-DD'); none when one of them
        wrote every month, was not built in this invocation, or nothing was recorded. -#}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select
            count(distinct model_name) as models_built,
            count(rewritten_after) as rows_with_month,
            count(*) as rows_recorded,
            min(rewritten_after) as rewritten_after
        from {{ month_builds_relation() }}
        where
            invocation_id = '{{ invocation_id }}'
            {% if model_names %}and model_name in ('{{ model_names | join("', '") }}'){% endif %}
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[2] == 0 or row[1] != row[2] or (model_names and row[0] != model_names | length) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return((row[3] | string)[:10]) }}
{%- endmacro %}


{% macro inputs_watermark(model_names, column='month_date', rows_counted=none) -%}
    {#- Watermark of an incremental model built from month-grain models: its last stored month
        (column; rows_counted keeps the rows that count), or the earlier month after which
        model_names rewrote rows in this invocation; none, every month, on a full build or
        when an input was rebuilt whole or not built. -#}
    {%- if not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set stored = month_watermark(rows_counted, column) -%}
    {%- set rewritten = months_rewritten_by(model_names) -%}
    {{ return([stored, rewritten] | min if stored is not none and rewritten is not none else none) }}
{%- endmacro %}
