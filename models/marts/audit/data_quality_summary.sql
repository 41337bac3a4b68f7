-- Per run and data-quality rule: how many input keys and rows were set aside or corrected.
-- Every rule has a row in every run, zero included, so a clean run reads as clean.

with runs as (

    select * from {{ ref('data_quality_runs') }}

),

issues as (

    select * from {{ ref('data_quality_issues') }}

),

rules as (

    select * from {{ ref('dq_rules') }}

),

counted as (

    select
        run_id,
        rule_name,
        count(*) as affected_keys,
        sum(input_rows) as affected_rows
    from issues
    group by run_id, rule_name

),

final as (

    select
        runs.run_id,
        runs.run_started_at,
        cast(rules.rule_name as {{ dbt.type_string() }}) as rule_name,
        cast(rules.rule_description as {{ dbt.type_string() }}) as rule_description,
        cast(rules.behaviour as {{ dbt.type_string() }}) as behaviour,
        cast(coalesce(counted.affected_keys, 0) as {{ dbt.type_int() }}) as affected_keys,
        cast(coalesce(counted.affected_rows, 0) as {{ dbt.type_int() }}) as affected_rows
    from runs
    cross join rules
    left join counted
        on
            runs.run_id = counted.run_id
            and rules.rule_name = counted.rule_name

)

select * from final
