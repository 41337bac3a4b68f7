with source as (

    select * from {{ bank_input('product_holdings') }}

),

renamed as (

    select
        cast(customer_id as {{ customer_id_type() }}) as customer_id,
        product_id,
        cast(opened_on as date) as opened_on,
        cast(closed_on as date) as closed_on
    from source

)

select * from renamed
