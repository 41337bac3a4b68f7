{#- Helpers shared by the analysis marts. -#}

{% macro by_segment_and_tier(relation, columns) -%}
    {#- Every row of relation twice: once grouped by segment, once by business tier, so one
        mart answers both views (column grouping = 'segment' or 'tier'; group_rank orders the
        groups: the segment id, or the tier's rank from int_tiers). -#}
    select
        'segment' as grouping,
        cast(segment_id as {{ dbt.type_string() }}) as group_key,
        segment_name as group_label,
        segment_id as group_rank,
        {% for column_name in columns %}
        {{ column_name }},
        {% endfor %}
        customer_id
    from {{ relation }}

    union all

    select
        'tier' as grouping,
        {{ relation }}.tier as group_key,
        {{ relation }}.tier as group_label,
        tiers.tier_rank as group_rank,
        {% for column_name in columns %}
        {{ relation }}.{{ column_name }},
        {% endfor %}
        {{ relation }}.customer_id
    from {{ relation }}
    inner join {{ ref('int_tiers') }} as tiers on {{ relation }}.tier = tiers.tier
{%- endmacro %}


{% macro share(part, whole) -%}
    {#- part / whole as a double; null when whole is 0. -#}
    cast({{ part }} as {{ type_double() }}) / nullif({{ whole }}, 0)
{%- endmacro %}


{% macro sentence_case(expression) -%}
    {#- The text with its first letter upper case ('mortgage holders' -> 'Mortgage holders'). -#}
    upper(substr({{ expression }}, 1, 1)) || substr({{ expression }}, 2)
{%- endmacro %}


{% macro percent(share) -%}
    {#- A share as whole-percent text: 0.904 -> '90%'. -#}
    cast(cast(round({{ share }} * 100) as {{ dbt.type_int() }}) as {{ dbt.type_string() }}) || '%'
{%- endmacro %}


{% macro rounded_text(expression, unit, digits=1) -%}
    {#- A figure as text for a sentence: money rounded to whole units, other figures to `digits`
        decimals, with the unit where it is years or months. -#}
    case
        when {{ unit }} = 'currency' then cast(cast(round(cast({{ expression }} as {{ dbt.type_numeric() }})) as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
        else cast(cast(round(cast({{ expression }} as {{ dbt.type_numeric() }}), {{ digits }}) as numeric(18, {{ digits }})) as {{ dbt.type_string() }})
            || case when {{ unit }} in ('years', 'months') then ' ' || {{ unit }} else '' end
    end
{%- endmacro %}


{% macro words_of(relation, key_columns, text_column) -%}
    {#- One row per word (lower case, split on spaces) of relation.text_column, with the key columns. -#}
    {{- return(adapter.dispatch('words_of', 'bank_segmentation')(relation, key_columns, text_column)) -}}
{%- endmacro %}

{% macro default__words_of(relation, key_columns, text_column) -%}
    select {{ key_columns | join(', ') }}, words.word
    from {{ relation }}
    cross join lateral unnest(string_to_array(lower({{ text_column }}), ' ')) as words (word)
{%- endmacro %}

{% macro duckdb__words_of(relation, key_columns, text_column) -%}
    select {{ key_columns | join(', ') }}, unnest(string_split(lower({{ text_column }}), ' ')) as word
    from {{ relation }}
{%- endmacro %}

{% macro snowflake__words_of(relation, key_columns, text_column) -%}
    select {{ key_columns | join(', ') }}, cast(words.value as varchar) as word
    from {{ relation }}, lateral flatten(input => split(lower({{ text_column }}), ' ')) as words
{%- endmacro %}
