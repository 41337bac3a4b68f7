-- One row per product type: how the bank writes it (for display) and whether it is borrowing,
-- a liability for the customer (one flag per type: a test on stg_bank__products).

with products as (

    select * from {{ ref('stg_bank__products') }}

),

spellings as (

    select
        product_type,
        product_type_label,
        count(*) as products,
        max(case when is_liability then 1 else 0 end) as is_liability_flag
    from products
    group by product_type, product_type_label

),

ranked as (

    -- several spellings of one type: the most used one is its label, ties to the first by name
    select
        *,
        row_number() over (partition by product_type order by products desc, product_type_label asc) as spelling_rank,
        max(is_liability_flag) over (partition by product_type) as type_liability_flag
    from spellings

),

final as (

    select
        product_type,
        product_type_label as product_label,
        type_liability_flag = 1 as is_liability
    from ranked
    where spelling_rank = 1

)

select * from final
