{#- Feature-engineering helpers. Product types and activity columns come from the data at
    run time, so a bank with other product types or channels needs no code change. -#}

{% macro total_of_product_types(relation, prefix, types) -%}
    {#- The sum of the per-type columns prefix_<type> of relation, a missing one counting as 0. -#}
    {%- for product_type in types -%}
        coalesce({{ relation }}.{{ prefix }}_{{ product_type }}, 0){{ " + " if not loop.last }}
    {%- else -%}
        0
    {%- endfor -%}
{%- endmacro %}


{% macro customer_month_feature_columns() -%}
    {#- Names of the generated feature columns of int_customer_month_features, by group:
        holdings (counts), amounts (balance_* and revenue_*), activity (activity_*, with the
        input column names in activity_inputs) and averaged (those with a lookback average). -#}
    {%- set types = product_types() -%}
    {%- set holdings = [] -%}
    {%- for product_type in types -%}
        {%- do holdings.append('products_held_' ~ product_type) -%}
    {%- endfor -%}
    {%- do holdings.extend([
        'products_held_total',
        'products_opened_in_window',
        'products_closed_in_window',
        'products_held_before_window',
        'product_types_held',
    ]) -%}
    {%- set amounts = [] -%}
    {%- for prefix in ['balance', 'revenue'] -%}
        {%- for product_type in types + ['total'] -%}
            {%- do amounts.append(prefix ~ '_' ~ product_type) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set activity_inputs = activity_input_columns() | map('lower') | sort | list -%}
    {%- set activity = [] -%}
    {%- for column_name in activity_inputs -%}
        {%- do activity.append('activity_' ~ column_name) -%}
    {%- endfor -%}
    {{ return({
        'holdings': holdings,
        'amounts': amounts,
        'activity_inputs': activity_inputs,
        'activity': activity,
        'averaged': amounts + activity,
    }) }}
{%- endmacro %}


{% macro type_double() -%}
    {#- 8-byte float on every target (dbt.type_float() is a 4-byte float on DuckDB). -#}
    double precision
{%- endmacro %}
