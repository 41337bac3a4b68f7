{#- One row per month of history, from the first to the last month present in the facts
    (balances, revenues, activity), with no gaps (lookback windows count rows as months
    downstream). -#}
{%- set lookback_months = var_int('lookback_months', 1, 120) -%}

-- Balance and revenue months come from int_balances_revenues_monthly, a table holding the same
-- months (clean facts only) at one row per customer and month: reading it costs far less than
-- scanning the fact rows again through the staging views.
with recursive amounts as (

    select
        min(month_date) as first_month,
        max(month_date) as last_month
    from {{ ref('int_balances_revenues_monthly') }}

),

activity as (

    select
        min(month_date) as first_month,
        max(month_date) as last_month
    from {{ ref('stg_bank__customer_activity') }}

),

-- Bounds per input first: one aggregate per scan, no union of every fact row.
data_months as (

    select
        first_month,
        last_month
    from amounts
    union all
    select
        first_month,
        last_month
    from activity

),

bounds as (

    select
        min(first_month) as first_month,
        max(last_month) as last_month
    from data_months

),

month_spine as (

    select first_month as month_date
    from bounds
    where first_month is not null

    union all

    select {{ month_end(dbt.dateadd('month', 1, 'month_spine.month_date')) }} as month_date
    from month_spine
    inner join bounds on month_spine.month_date < bounds.last_month

),

final as (

    select
        month_date,
        cast({{ dbt.date_trunc('month', 'month_date') }} as date) as month_start,
        cast({{ dbt.dateadd('month', 1 - lookback_months, dbt.date_trunc('month', 'month_date')) }} as date)
            as lookback_start,
        row_number() over (order by month_date) as month_number
    from month_spine

)

select * from final
