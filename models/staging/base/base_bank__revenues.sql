{#- Every revenues input row, typed, month normalised to its last day, with the first
    quarantine rule it breaks (dq_rule; null when clean). Incremental on the month: a run
    checks the months after the last one stored, re-reading the last reprocess_months of them
    so that a restated month is checked again (and written again only when its rows
    changed, so that the models downstream recompute it and no other); rows without a readable month are checked on
    every run (the pre-hook deletes their earlier copy). -#}
{{ month_incremental_config(
    pre_hook="{% if is_incremental() %}delete from {{ this }} where month_date is null{% endif %}",
    post_hook="{{ flag_removed_customers(ref('base_bank__customer_roster'), ['customer_id', 'product_id', 'month_date']) }}",
) }}
{%- set stored_as_text = dq_input_columns('revenues') %}

with source as (

    select {{ bank_input_select('revenues') }} from {{ bank_input('revenues') }}

),

months_to_check as (

    select * from source
    {% if is_incremental() %}
    -- rows dated after as_of_date do not count as stored: they are checked again once due
    where
        {{ dq_cast('month_date', 'date', stored_as_text) }} is null
        or {{ dq_cast('month_date', 'date', stored_as_text) }} > {{ reprocess_after(this, "dq_rule is null or dq_rule <> 'date_in_future'") }}
    {% endif %}

),

customers as (

    select customer_id from {{ ref('base_bank__customers') }}
    where dq_rule is null

),

products as (

    select product_id from {{ ref('base_bank__products') }}
    where dq_rule is null

),

typed as (

    select
        customer_id as input_customer_id,
        product_id as input_product_id,
        month_date as input_month_date,
        customer_id is null or product_id is null or month_date is null as is_key_missing,
        revenue is null as is_amount_missing,
        {{ dq_cast('customer_id', customer_id_type(), stored_as_text) }} as customer_id,
        product_id,
        {{ month_end(dq_cast('month_date', 'date', stored_as_text)) }} as month_date,
        {{ dq_cast('revenue', dbt.type_numeric(), stored_as_text) }} as revenue
    from months_to_check

),

-- keys held by more than one row: a hash aggregate, cheaper than a window over every row
duplicate_keys as (

    select
        customer_id,
        product_id,
        month_date
    from typed
    group by customer_id, product_id, month_date
    having count(*) > 1

),

checked as (

    select
        typed.*,
        case
            when typed.is_key_missing then 'null_key'
            when typed.customer_id is null then 'not_a_number'
            when typed.month_date is null then 'not_a_date'
            when typed.is_amount_missing then 'null_amount'
            when typed.revenue is null then 'not_a_number'
            when typed.month_date > {{ month_end(dq_as_of()) }} then 'date_in_future'
            when customers.customer_id is null then 'orphan_customer'
            when products.product_id is null then 'orphan_product'
            when duplicate_keys.customer_id is not null then 'duplicate_key'
        end as dq_rule
    from typed
    left join customers on typed.customer_id = customers.customer_id
    left join products on typed.product_id = products.product_id
    left join duplicate_keys
        on
            typed.customer_id = duplicate_keys.customer_id
            and typed.product_id = duplicate_keys.product_id
            and typed.month_date = duplicate_keys.month_date

),

final as (

    select
        {{ dq_flagged_key(['customer_id', 'product_id', 'month_date']) }} as source_key,
        customer_id,
        product_id,
        month_date,
        revenue,
        dq_rule,
        {{ this_run_started_at() }} as built_at
    from checked

)

select * from final
{%- if is_incremental() %}
-- a month read again is written again only when its rows changed (a restatement)
where month_date is null or month_date in ({{ changed_months('final', ['source_key', 'customer_id', 'product_id', 'month_date', 'revenue', 'dq_rule']) }})
{%- endif %}
