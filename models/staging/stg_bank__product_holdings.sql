with checked as (

    select * from {{ ref('base_bank__product_holdings') }}

),

clean as (

    select
        customer_id,
        product_id,
        opened_on,
        closed_on
    from checked
    where dq_rule is null

)

select * from clean
