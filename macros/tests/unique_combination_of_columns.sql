{#- Fails with the duplicated key combinations (dbt-utils' test of the same name, written here
    because dbt Hub packages are out of reach). months_written_by: an optional month-grain
    table; the test then reads only the months that table's rows of this run hold (for a view
    over it, which has no built_at of its own: macros/incremental.sql). -#}
{% test unique_combination_of_columns(model, combination, months_written_by=none) %}
    select
        {{ combination | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    {% if months_written_by is not none -%}
    where month_date in (select month_date from {{ months_written_by }} where {{ built_by_this_run() }})
    {%- endif %}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}
