{#- One clean row per product. Stops the run on a duplicate product_id. -#}
{{- dq_stop_on_duplicates(ref('base_bank__products'), 'products', ['product_id']) }}

with checked as (

    select * from {{ ref('base_bank__products') }}

),

clean as (

    select
        product_id,
        product_name,
        product_type
    from checked
    where dq_rule is null

)

select * from clean
