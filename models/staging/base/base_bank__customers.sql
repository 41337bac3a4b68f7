{#- Every customers input row, typed, with the first quarantine rule it breaks (dq_rule, null
    when clean) and the value-level issues that only blank a value (income, birth date). -#}
{%- set stored_as_text = dq_input_columns('customers') -%}
{%- set available = bank_input_columns('customers') -%}

with source as (

    select {{ bank_input_select('customers') }} from {{ bank_input('customers') }}

),

typed as (

    select
        {{ dq_key_text(['customer_id']) }} as source_key,
        customer_id is null as is_key_missing,
        birth_date is not null as has_birth_date,
        customer_since is not null as has_customer_since,
        {{ dq_cast('customer_id', customer_id_type(), stored_as_text) }} as customer_id,
        {{ dq_cast('birth_date', 'date', stored_as_text) }} as birth_date,
        {{ dq_cast('customer_since', 'date', stored_as_text) }} as customer_since,
        lower(trim(cast(tier as {{ dbt.type_string() }}))) as tier,
        {{ optional_column(available, 'annual_income', dbt.type_numeric()) }} as annual_income,
        lower(trim({{ optional_column(available, 'gender', dbt.type_string()) }})) as gender,
        lower(trim({{ optional_column(available, 'marital_status', dbt.type_string()) }})) as marital_status,
        lower(trim({{ optional_column(available, 'occupation', dbt.type_string()) }})) as occupation,
        lower(trim({{ optional_column(available, 'region', dbt.type_string()) }})) as region
    from source

),

checked as (

    select
        *,
        case
            when is_key_missing then 'null_key'
            when customer_id is null then 'not_a_number'
            when not has_customer_since or tier is null or tier = '' then 'null_required_value'
            when (has_birth_date and birth_date is null) or customer_since is null then 'not_a_date'
            when customer_since > {{ dq_as_of() }} or birth_date > {{ dq_as_of() }} then 'date_in_future'
            when birth_date > customer_since then 'birth_after_customer_since'
        end as dq_rule,
        case when annual_income < 0 then 'negative_income' end as dq_income_rule,
        case
            when birth_date < {{ dbt.dateadd('year', -120, dq_as_of()) }} then 'age_over_120'
        end as dq_birth_date_rule
    from typed

)

select * from checked
