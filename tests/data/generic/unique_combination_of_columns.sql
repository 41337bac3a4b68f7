{#- Fails with the duplicated key combinations (dbt-utils' test of the same name, written here
    because dbt Hub packages are out of reach). -#}
{% test unique_combination_of_columns(model, combination) %}
    select
        {{ combination | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}
