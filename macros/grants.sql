{#- Read-only access for BI tools: with var('bi_read_role') set, the role gets usage on the
    marts schema and select on its tables and views, and nothing else: no other schema, no
    write. Runs after every run (on-run-end), since rebuilt tables lose their grants. The role
    itself is the bank's to create. -#}

{% macro grant_marts_read_only() -%}
    {%- set role = var_identifier('bi_read_role') -%}
    {%- if role is none or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('grant_marts_read_only', 'bank_segmentation')(role, generate_schema_name('marts', none))) }}
{%- endmacro %}


{% macro default__grant_marts_read_only(role, schema) -%}
    {%- do log("bi_read_role: the " ~ target.type ~ " target has no roles; nothing granted.", info=true) -%}
    {{ return('') }}
{%- endmacro %}


{% macro postgres__grant_marts_read_only(role, schema) -%}
    grant usage on schema {{ adapter.quote(schema) }} to {{ adapter.quote(role) }};
    grant select on all tables in schema {{ adapter.quote(schema) }} to {{ adapter.quote(role) }};
{%- endmacro %}


{% macro snowflake__grant_marts_read_only(role, schema) -%}
    grant usage on database {{ target.database }} to role {{ role }};
    grant usage on schema {{ target.database }}.{{ schema }} to role {{ role }};
    grant select on all tables in schema {{ target.database }}.{{ schema }} to role {{ role }};
    grant select on all views in schema {{ target.database }}.{{ schema }} to role {{ role }};
{%- endmacro %}
