-- var reference_date must name a month of the data (int_months). One row when it does not:
-- the month asked for and the range there is to choose from. Error severity, so nothing that
-- depends on int_months is built with a reference month that is not there.
{{ config(severity='error', store_failures=true, schema='audit') }}
{%- set requested = var_reference_date() %}

with months as (

    select * from {{ ref('int_months') }}

),

range_of_months as (

    select
        cast({{ "'" ~ requested ~ "'" if requested else 'null' }} as date) as requested_month,
        min(month_date) as first_month,
        max(month_date) as last_month,
        sum(case when month_date = cast({{ "'" ~ requested ~ "'" if requested else 'null' }} as date) then 1 else 0 end)
            as matching_months
    from months

)

select
    requested_month,
    first_month,
    last_month
from range_of_months
where requested_month is not null and matching_months = 0
