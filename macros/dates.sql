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


{% macro age_in_years(birth_date, at_date) -%}
    {#- Whole years completed at at_date: the calendar-year difference, less one before the birthday. -#}
    (
        extract(year from {{ at_date }}) - extract(year from {{ birth_date }})
        - case
            when extract(month from {{ at_date }}) * 100 + extract(day from {{ at_date }})
                < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
                then 1
            else 0
        end
    )
{%- endmacro %}
