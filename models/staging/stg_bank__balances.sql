with source as (

    select * from {{ bank_input('balances') }}

),

renamed as (

    select
        cast(customer_id as {{ customer_id_type() }}) as customer_id,
        product_id,
        {{ month_end('month_date') }} as month_date,
        cast(balance as {{ dbt.type_numeric() }}) as balance
    from source

)

select * from renamed
