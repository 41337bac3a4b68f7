{#- Fails unless the model holds exactly as many rows as the input table: a base model keeps
    every input row, quarantined ones included, so nothing is lost between input and audit. -#}
{% test keeps_every_input_row(model, input_table) %}
    {%- if bank_input_exists(input_table) %}
    select model_rows, input_rows
    from
        (select count(*) as model_rows from {{ model }}) as checked
    cross join
        (select count(*) as input_rows from {{ bank_input(input_table) }}) as source
    where model_rows <> input_rows
    {%- else %}
    select 1 as missing_table where 1 = 0
    {%- endif %}
{% endtest %}
