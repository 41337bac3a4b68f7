{#- customer_activity is optional: without it this model is empty and carries the keys only. -#}
{%- set behaviour_columns = activity_input_columns() -%}
{%- if bank_input_exists('customer_activity') %}

with source as (

    select * from {{ bank_input('customer_activity') }}

),

renamed as (

    select
        {% for column_name in behaviour_columns %}
        cast({{ adapter.quote(column_name) }} as {{ dbt.type_numeric() }}) as {{ column_name | lower }},
        {% endfor %}
        cast(customer_id as {{ customer_id_type() }}) as customer_id,
        {{ month_end('month_date') }} as month_date
    from source

)

select * from renamed

{%- else %}

    select
        cast(customer_id as {{ customer_id_type() }}) as customer_id,
        cast(null as date) as month_date
    from {{ bank_input('customers') }}
    where 1 = 0

{%- endif %}
