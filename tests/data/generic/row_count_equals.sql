{#- Fails (returns one row) unless the model has exactly `expected` rows. -#}
{% test row_count_equals(model, expected) %}
    select count(*) as n_rows
    from {{ model }}
    having count(*) <> {{ expected }}
{% endtest %}


{#- Fails (returns one row) when the model has no row at all. -#}
{% test has_rows(model) %}
    select 0 as n_rows
    where not exists (select 1 from {{ model }})
{% endtest %}


{#- Fails with the groups (and how many values each has) where column_name takes more than one value. -#}
{% test one_value_per_group(model, column_name, group_by) %}
    select
        {{ group_by }},
        count(distinct {{ column_name }}) as distinct_values
    from {{ model }}
    group by {{ group_by }}
    having count(distinct {{ column_name }}) > 1
{% endtest %}

