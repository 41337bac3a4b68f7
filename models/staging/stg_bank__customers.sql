{#- One clean row per customer. Stops the run on a duplicate customer_id or when no customer
    is usable; quarantined rows stay in base_bank__customers and audit.data_quality_issues. -#}
{{- dq_stop_if_empty(ref('base_bank__customers'), 'customers') -}}
{{- dq_stop_on_duplicates(ref('base_bank__customers'), 'customers', ['customer_id']) }}

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
