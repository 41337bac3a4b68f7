{{ config(materialized='incremental', unique_key=['run_id', 'input_table', 'source_key', 'rule_name']) }}
{#- Every input row this run set aside (action 'quarantined') or corrected (action
    'value_nulled'), with its input table, key, rule and run id. Appended run after run. -#}

with customers as (

    select * from {{ ref('base_bank__customers') }}

),

issues as (

    {% for table_name in ['customers', 'products', 'product_holdings', 'balances', 'revenues', 'customer_activity'] %}
    select
        '{{ table_name }}' as input_table,
        source_key,
        dq_rule as rule_name,
        'quarantined' as action_taken
    from {{ ref('base_bank__' ~ table_name) }}
    where dq_rule is not null
    union all
    {% endfor %}
    select
        'customers' as input_table,
        source_key,
        dq_income_rule as rule_name,
        'value_nulled' as action_taken
    from customers
    where dq_rule is null and dq_income_rule is not null
    union all
    select
        'customers' as input_table,
        source_key,
        dq_birth_date_rule as rule_name,
        'value_nulled' as action_taken
    from customers
    where dq_rule is null and dq_birth_date_rule is not null

),

-- one row per key and rule: the copies of a duplicated key are counted in input_rows
final as (

    select
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as run_id,
        cast(input_table as {{ dbt.type_string() }}) as input_table,
        cast(source_key as {{ dbt.type_string() }}) as source_key,
        cast(rule_name as {{ dbt.type_string() }}) as rule_name,
        cast(action_taken as {{ dbt.type_string() }}) as action_taken,
        cast(count(*) as {{ dbt.type_int() }}) as input_rows
    from issues
    group by input_table, source_key, rule_name, action_taken

)

select * from final
