{#- Every customer_activity input row, typed, month normalised to its last day, with the first
    quarantine rule it breaks. Every numeric column besides the keys is a behaviour figure
    (activity_input_columns). The table is optional: without it this model is empty and holds
    the keys only. Incremental on the month, as the other monthly facts. -#}
{{ month_incremental_config(
    pre_hook="{% if is_incremental() %}delete from {{ this }} where month_date is null{% endif %}",
    post_hook="{{ flag_removed_customers(ref('base_bank__customer_roster'), ['customer_id', 'month_date']) }}",
) }}
{%- set behaviour_columns = activity_input_columns() -%}
{%- if bank_input_exists('customer_activity') %}
{%- set stored_as_text = dq_input_columns('customer_activity') %}

with source as (

    select {{ bank_input_select('customer_activity') }} from {{ bank_input('customer_activity') }}

),

months_to_check as (

    select * from source
    {% if is_incremental() %}
    where
        {{ dq_cast('month_date', 'date', stored_as_text) }} is null
        or {{ dq_cast('month_date', 'date', stored_as_text) }} > {{ reprocess_after(this, "dq_rule is null or dq_rule <> 'date_in_future'") }}
    {% endif %}

),

customers as (

    select customer_id from {{ ref('base_bank__customers') }}
    where dq_rule is null

),

typed as (

    select
        customer_id as input_customer_id,
        month_date as input_month_date,
        customer_id is null or month_date is null as is_key_missing,
        {% for column_name in behaviour_columns %}
        cast({{ adapter.quote(column_name) }} as {{ dbt.type_numeric() }}) as {{ column_name | lower }},
        {% endfor %}
        {{ dq_cast('customer_id', customer_id_type(), stored_as_text) }} as customer_id,
        {{ month_end(dq_cast('month_date', 'date', stored_as_text)) }} as month_date
    from months_to_check

),

-- keys held by more than one row: a hash aggregate, cheaper than a window over every row
duplicate_keys as (

    select
        customer_id,
        month_date
    from typed
    group by customer_id, month_date
    having count(*) > 1

),

checked as (

    select
        typed.*,
        case
            when typed.is_key_missing then 'null_key'
            when typed.customer_id is null then 'not_a_number'
            when typed.month_date is null then 'not_a_date'
            when typed.month_date > {{ month_end(dq_as_of()) }} then 'date_in_future'
            when customers.customer_id is null then 'orphan_customer'
            when duplicate_keys.customer_id is not null then 'duplicate_key'
        end as dq_rule
    from typed
    left join customers on typed.customer_id = customers.customer_id
    left join duplicate_keys
        on
            typed.customer_id = duplicate_keys.customer_id
            and typed.month_date = duplicate_keys.month_date

),

final as (

    select
        {{ dq_flagged_key(['customer_id', 'month_date']) }} as source_key,
        {% for column_name in behaviour_columns %}
        {{ column_name | lower }},
        {% endfor %}
        customer_id,
        month_date,
        dq_rule,
        {{ this_run_started_at() }} as built_at
    from checked

)

select * from final
{%- if is_incremental() %}
-- a month read again is written again only when its rows changed (a restatement)
where month_date is null or month_date in ({{ changed_months('final', ['source_key', 'customer_id', 'month_date', 'dq_rule'] + behaviour_columns | map('lower') | list) }})
{%- endif %}

{%- else %}

    select
        cast(null as {{ dbt.type_string() }}) as source_key,
        cast(null as {{ customer_id_type() }}) as customer_id,
        cast(null as date) as month_date,
        cast(null as {{ dbt.type_string() }}) as dq_rule,
        {{ this_run_started_at() }} as built_at
    from {{ bank_input('customers') }}
    where 1 = 0

{%- endif %}
