{{ config(severity='warn') }}
-- Warns (the run goes on) when the latest month's balance rows or active customers fall,
-- against the month before, by more than the share var month_drop_warning_share: a month
-- loaded half way would be scored, and would move customers between segments, as if whole.
{%- set max_drop = var_share('month_drop_warning_share') %}

with balance_rows as (

    select
        'balance rows' as measure,
        month_date,
        count(*) as month_count
    from {{ ref('stg_bank__balances') }}
    group by month_date

),

active_customers as (

    select
        'active customers' as measure,
        month_date,
        count(*) as month_count
    from {{ ref('int_customer_month_features') }}
    where is_active
    group by month_date

),

monthly as (

    select * from balance_rows
    union all
    select * from active_customers

),

ranked as (

    select
        measure,
        month_date,
        month_count,
        row_number() over (partition by measure order by month_date desc) as months_back
    from monthly

),

latest_against_previous as (

    select
        latest.measure,
        latest.month_date,
        latest.month_count,
        previous.month_date as previous_month_date,
        previous.month_count as previous_month_count
    from ranked as latest
    inner join ranked as previous
        on
            latest.measure = previous.measure
            and previous.months_back = 2
    where latest.months_back = 1

)

select
    *,
    1 - 1.0 * month_count / previous_month_count as drop_share
from latest_against_previous
where month_count < previous_month_count * (1 - {{ max_drop }})
