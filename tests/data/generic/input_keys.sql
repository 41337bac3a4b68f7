{#- Input checks that stop the run, as error-severity tests on the base models: a failure skips
    everything downstream of the model, and with store_failures the offending keys are kept in
    the audit schema (dbt prints the query that lists them). -#}

{% test unique_clean_key(model, column_name) %}
    {#- Every key of the clean rows (dq_rule null) that is there more than once: which copy is
        right cannot be guessed, and either would change segments. -#}
    select
        {{ column_name }},
        count(*) as copies
    from {{ model }}
    where dq_rule is null
    group by {{ column_name }}
    having count(*) > 1
{% endtest %}


{% test has_clean_rows(model) %}
    {#- One row when no row is clean: the input is empty or every row is quarantined, and
        nothing can be segmented. -#}
    select clean_rows
    from (select count(*) as clean_rows from {{ model }} where dq_rule is null) as counted
    where clean_rows = 0
{% endtest %}
