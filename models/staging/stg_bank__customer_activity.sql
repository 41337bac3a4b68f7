{#- Clean channel activity: every numeric behaviour column of the input, by customer and month
    (the columns of base_bank__customer_activity but its keys and checks). -#}
{%- set not_behaviour = ['source_key', 'customer_id', 'month_date', 'dq_rule'] -%}
{%- set behaviour_columns = [] -%}
{%- for column in (adapter.get_columns_in_relation(built_relation('base_bank__customer_activity')) if execute else []) -%}
{%- if column.name | lower not in not_behaviour -%}{%- do behaviour_columns.append(column.name | lower) -%}{%- endif -%}
{%- endfor %}

with checked as (

    select * from {{ ref('base_bank__customer_activity') }}

),

clean as (

    select
        {% for column_name in behaviour_columns %}
        {{ column_name }},
        {% endfor %}
        customer_id,
        month_date
    from checked
    where dq_rule is null

)

select * from clean
