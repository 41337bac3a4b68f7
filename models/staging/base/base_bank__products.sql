{#- Every products input row, typed and normalised, with the quarantine rule it breaks. -#}
{%- do dq_input_columns('products') -%}
{%- set available = bank_input_columns('products') -%}

with source as (

    select {{ bank_input_select('products') }} from {{ bank_input('products') }}

),

typed as (

    select
        {{ dq_key_text(['product_id']) }} as source_key,
        product_id,
        cast(product_name as {{ dbt.type_string() }}) as product_name,
        {{ product_type_written('product_type') }} as product_type_label,
        -- read as text, so that a boolean, 1/0 or yes/no all read and anything else is flagged
        lower(trim({{ optional_column(available, 'is_liability', dbt.type_string()) }})) as is_liability_text
    from source

),

folded as (

    select
        *,
        {{ product_type_folded('product_type_label') }} as product_type_folded
    from typed

),

named as (

    select
        source_key,
        product_id,
        product_name,
        {{ product_type_name('product_type_label', 'product_type_folded') }} as product_type,
        product_type_label,
        {{ dq_boolean('is_liability_text') }} as is_liability_given,
        is_liability_text
    from folded

),

-- Borrowing (a liability for the customer) as the input says, else by the type's name.
classified as (

    select
        source_key,
        product_id,
        product_name,
        product_type,
        product_type_label,
        is_liability_text is not null and is_liability_given is null as is_liability_unreadable,
        coalesce(
            is_liability_given,
            {% if liability_product_types() %}product_type in ('{{ liability_product_types() | join("', '") }}'){% else %}false{% endif %}
        ) as is_liability
    from named

),

checked as (

    select
        *,
        case
            when product_id is null then 'null_key'
            when product_type is null then 'unknown_product_type'
            when is_liability_unreadable then 'not_a_boolean'
        end as dq_rule
    from classified

)

select * from checked
