{#- Clean channel activity: every numeric behaviour column of the input, by customer and month. -#}
{%- set behaviour_columns = activity_input_columns() %}
-- depends_on: {{ bank_input('customer_activity') }}

with checked as (

    select * from {{ ref('base_bank__customer_activity') }}

),

clean as (

    select
        {% for column_name in behaviour_columns %}
        {{ column_name | lower }},
        {% endfor %}
        customer_id,
        month_date,
        built_at
    from checked
    where dq_rule is null

)

select * from clean
