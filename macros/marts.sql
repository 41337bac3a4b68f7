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
