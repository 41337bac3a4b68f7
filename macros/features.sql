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
    {#- Names of the generated feature columns of int_customer_month_features, by group, read
        from the inputs once: product_types, holdings (counts), amounts (balance_* per type,
        assets, liabilities and net; revenue_* per type and total), activity (activity_*, with the
        input column names in activity_inputs), averaged (those with a lookback average: balance_net's
        is that of assets less that of liabilities, one window fewer) and trended
        (those with a trend: assets, liabilities, revenue and each activity column). -#}
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
    {%- for product_type in types + ['assets', 'liabilities', 'net'] -%}
        {%- do amounts.append('balance_' ~ product_type) -%}
    {%- endfor -%}
    {%- for product_type in types + ['total'] -%}
        {%- do amounts.append('revenue_' ~ product_type) -%}
    {%- endfor -%}
    {%- set activity_inputs = activity_input_columns() | map('lower') | sort | list -%}
    {%- set activity = [] -%}
    {%- for column_name in activity_inputs -%}
        {%- do activity.append('activity_' ~ column_name) -%}
    {%- endfor -%}
    {{ return({
        'product_types': types,
        'holdings': holdings,
        'amounts': amounts,
        'activity_inputs': activity_inputs,
        'activity': activity,
        'averaged': amounts | reject('equalto', 'balance_net') | list + activity,
        'trended': ['balance_assets', 'balance_liabilities', 'revenue_total'] + activity,
    }) }}
{%- endmacro %}


{% macro any_activity(relation, activity_columns) -%}
    {#- True when any activity column of relation is not 0 (false without activity columns). -#}
    {%- for column_name in activity_columns -%}
        {{ relation }}.{{ column_name }} <> 0{{ " or " if not loop.last }}
    {%- else -%}
        false
    {%- endfor -%}
{%- endmacro %}


{% macro type_double() -%}
    {#- 8-byte float on every target (dbt.type_float() is a 4-byte float on DuckDB). -#}
    double precision
{%- endmacro %}
