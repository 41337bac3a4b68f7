{#- One clean row per product. A duplicate product_id fails an error-severity test on
    base_bank__products, which stops everything downstream. -#}

with checked as (

    select * from {{ ref('base_bank__products') }}

),

clean as (

    select
        product_id,
        product_name,
        product_type,
        product_type_label,
        is_liability
    from checked
    where dq_rule is null

)

select * from clean
