{#- Schemas are named by layer (staging, intermediate, marts, ...) so BI tools find
    `marts` by name. DBT_SCHEMA_PREFIX lets tests and environments share one database
    without touching each other. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = env_var('DBT_SCHEMA_PREFIX', '') -%}
    {%- if custom_schema_name is none -%}
        {{ prefix ~ target.schema }}
    {%- else -%}
        {{ prefix ~ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
