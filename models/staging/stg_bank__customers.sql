{#- One clean row per customer. A duplicate customer_id or no usable customer at all fails an
    error-severity test on base_bank__customers, which stops everything downstream; quarantined
    rows stay in base_bank__customers and audit.data_quality_issues. -#}

with checked as (

    select * from {{ ref('base_bank__customers') }}

),

clean as (

    select
        customer_id,
        -- value-level issues blank the value only: the customer keeps a segment
        case when dq_birth_date_rule is null then birth_date end as birth_date,
        customer_since,
        tier,
        case when dq_income_rule is null then annual_income end as annual_income,
        gender,
        marital_status,
        occupation,
        region
    from checked
    where dq_rule is null

)

select * from clean
