with checked as (

    select * from {{ ref('base_bank__revenues') }}

),

clean as (

    select
        customer_id,
        product_id,
        month_date,
        revenue,
        built_at
    from checked
    where dq_rule is null

)

select * from clean
