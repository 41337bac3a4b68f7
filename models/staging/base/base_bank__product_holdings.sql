{#- Every product_holdings input row, typed, with the first quarantine rule it breaks. -#}
{%- set stored_as_text = dq_input_columns('product_holdings') -%}

with source as (

    select {{ bank_input_select('product_holdings') }} from {{ bank_input('product_holdings') }}

),

typed as (

    select
        customer_id as input_customer_id,
        product_id as input_product_id,
        opened_on as input_opened_on,
        customer_id is null or product_id is null or opened_on is null as is_key_missing,
        closed_on is not null as has_closed_on,
        {{ dq_cast('customer_id', customer_id_type(), stored_as_text) }} as customer_id,
        product_id,
        {{ dq_cast('opened_on', 'date', stored_as_text) }} as opened_on,
        {{ dq_cast('closed_on', 'date', stored_as_text) }} as closed_on
    from source

),

customers as (

    select customer_id from {{ ref('base_bank__customers') }}
    where dq_rule is null

),

products as (

    select product_id from {{ ref('base_bank__products') }}
    where dq_rule is null

),

-- keys held by more than one row: a hash aggregate, cheaper than a window over every row
duplicate_keys as (

    select
        customer_id,
        product_id,
        opened_on
    from typed
    group by customer_id, product_id, opened_on
    having count(*) > 1

),

checked as (

    select
        typed.*,
        case
            when typed.is_key_missing then 'null_key'
            when typed.customer_id is null then 'not_a_number'
            when typed.opened_on is null or (typed.has_closed_on and typed.closed_on is null) then 'not_a_date'
            when typed.opened_on > {{ dq_as_of() }} then 'date_in_future'
            when typed.closed_on < typed.opened_on then 'closed_before_opened'
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
            and typed.opened_on = duplicate_keys.opened_on

),

final as (

    select
        {{ dq_flagged_key(['customer_id', 'product_id', 'opened_on']) }} as source_key,
        customer_id,
        product_id,
        opened_on,
        closed_on,
        dq_rule
    from checked

)

select * from final
