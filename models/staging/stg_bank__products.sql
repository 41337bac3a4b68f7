with source as (

    select * from {{ bank_input('products') }}

),

renamed as (

    select
        product_id,
        cast(product_name as {{ dbt.type_string() }}) as product_name,
        -- Types become column names downstream: 'Credit Card' and 'credit_card' are one type.
        replace(lower(trim(cast(product_type as {{ dbt.type_string() }}))), ' ', '_') as product_type
    from source

)

select * from renamed
