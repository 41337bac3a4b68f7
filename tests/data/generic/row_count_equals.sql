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
