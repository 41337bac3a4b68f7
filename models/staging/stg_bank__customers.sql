{%- set available = bank_input_columns('customers') -%}

with source as (

    select * from {{ bank_input('customers') }}

),

renamed as (

    select
        cast(customer_id as {{ customer_id_type() }}) as customer_id,
        cast(birth_date as date) as birth_date,
        cast(customer_since as date) as customer_since,
        lower(trim(cast(tier as {{ dbt.type_string() }}))) as tier,
        {{ optional_column(available, 'annual_income', dbt.type_numeric()) }} as annual_income,
        lower(trim({{ optional_column(available, 'gender', dbt.type_string()) }})) as gender,
        lower(trim({{ optional_column(available, 'marital_status', dbt.type_string()) }})) as marital_status,
        lower(trim({{ optional_column(available, 'occupation', dbt.type_string()) }})) as occupation,
        lower(trim({{ optional_column(available, 'region', dbt.type_string()) }})) as region
    from source

)

select * from renamed
