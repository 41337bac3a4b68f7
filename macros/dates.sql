{#- Date helpers shared by staging and intermediate models. -#}

{% macro month_end(date_expression) -%}
    {#- Any date within a month becomes that month's last day. -#}
    {{ adapter.dispatch('month_end', 'bank_segmentation')(date_expression) }}
{%- endmacro %}


{% macro default__month_end(date_expression) -%}
    {{ dbt.last_day(dbt.date_trunc('month', 'cast(' ~ date_expression ~ ' as date)'), 'month') }}
{%- endmacro %}


{% macro duckdb__month_end(date_expression) -%}
    {#- DuckDB's own last_day: the portable form goes through timestamps and intervals, four
        times the cost over the hundred million fact rows of a million customers. -#}
    last_day(cast({{ date_expression }} as date))
{%- endmacro %}
