with checked as (

    select * from {{ ref('base_bank__balances') }}

),

clean as (

    select
        customer_id,
        product_id,
        month_date,
        balance,
        built_at
    from checked
    where dq_rule is null

)

select * from clean
