{#- Every feature of every customer in every month of history: demographics, holdings,
    balances and revenues per product type, channel activity, each money and activity
    figure both for the month and averaged over the lookback window. Product types and
    activity columns come from the data (macros/features.sql). The spine is every customer in
    every month from the month the relationship began. -#}
{#- The lookback windows run over the keys and monthly figures only; the demographics join
    afterwards from the customers (one row each): carried through the window's sort, their
    ten columns (six of them text) cost a million-customer build a third of this model's time. -#}
{#- Incremental on the month: a run computes from the inputs every month from the first one
    its inputs wrote after this table was built (new months, restated ones and the months
    whose lookback windows reach them: macros/incremental.sql); the lookback
    averages of those months take the earlier months' monthly figures from this table itself, so
    a new month costs one month of input (and an aggregate over its window's months, not a
    window function over all of them). When the table was built with another lookback_months,
    every month is computed again. A new product type or activity column changes the columns:
    the run fails and asks for --full-refresh. -#}
{{ month_incremental_config(post_hook="{{ delete_removed_customers(ref('base_bank__customer_roster')) }}") }}
{%- set lookback_months = var_int('lookback_months', 1, 120) -%}
{%- set recent_months = [3, lookback_months] | min -%}
{%- set columns = customer_month_feature_columns() -%}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}

with customers as (

    select * from {{ ref('stg_bank__customers') }}

),

{% if is_incremental() %}
-- What this run recomputes: every month from the first one an input wrote after this table
-- was built (all of them when it was built with another lookback_months); nothing when no
-- input wrote a month.
stored as (

    select
        max(month_date) as last_month,
        coalesce(max(built_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) as built_at
    from {{ this }}
    where lookback_months = {{ lookback_months }}

),

months_written as (

    select month_date from {{ ref('int_holdings_monthly') }}
    where built_at > (select stored.built_at from stored)

    union all

    select month_date from {{ ref('int_balances_revenues_monthly') }}
    where built_at > (select stored.built_at from stored)

    union all

    select month_date from {{ ref('stg_bank__customer_activity') }}
    where built_at > (select stored.built_at from stored)

),

boundary as (

    select
        coalesce(
            (select {{ month_end(dbt.dateadd('month', -1, 'min(months_written.month_date)')) }} from months_written),
            (select stored.last_month from stored)
        ) as recompute_after

),
{% endif %}

months as (

    select * from {{ ref('int_months') }}
    {% if is_incremental() %}
    where month_date > (select boundary.recompute_after from boundary)
    {% endif %}

),

customer_months as (

    select
        customers.customer_id,
        months.month_date,
        months.month_number
    from customers
    inner join months on customers.customer_since <= months.month_date

),

holdings as (

    select * from {{ ref('int_holdings_monthly') }}
    {% if is_incremental() %}
    where month_date > (select boundary.recompute_after from boundary)
    {% endif %}

),

amounts as (

    select * from {{ ref('int_balances_revenues_monthly') }}
    {% if is_incremental() %}
    where month_date > (select boundary.recompute_after from boundary)
    {% endif %}

),

activity as (

    select * from {{ ref('stg_bank__customer_activity') }}
    {% if is_incremental() %}
    where month_date > (select boundary.recompute_after from boundary)
    {% endif %}

),

monthly as (

    select
        {% for column_name in columns.holdings %}
        cast(coalesce(holdings.{{ column_name }}, 0) as {{ dbt.type_int() }}) as {{ column_name }},
        {% endfor %}
        {% for column_name in columns.amounts %}
        cast(coalesce(amounts.{{ column_name }}, 0) as {{ dbt.type_numeric() }}) as {{ column_name }},
        {% endfor %}
        {% for column_name in columns.activity_inputs %}
        cast(coalesce(activity.{{ column_name }}, 0) as {{ dbt.type_numeric() }}) as activity_{{ column_name }},
        {% endfor %}
        customer_months.customer_id,
        customer_months.month_date,
        customer_months.month_number
    from customer_months
    left join holdings
        on
            customer_months.customer_id = holdings.customer_id
            and customer_months.month_date = holdings.month_date
    left join amounts
        on
            customer_months.customer_id = amounts.customer_id
            and customer_months.month_date = amounts.month_date
    left join activity
        on
            customer_months.customer_id = activity.customer_id
            and customer_months.month_date = activity.month_date

),

{% if is_incremental() %}
-- The recomputed months' figures and the stored months their lookback windows reach back to.
figures_with_history as (

    select customer_id, month_date, {{ columns.averaged | join(', ') }}
    from monthly

    union all

    select customer_id, month_date, {{ columns.averaged | join(', ') }}
    from {{ this }}
    where
        month_date <= (select boundary.recompute_after from boundary)
        and month_date >= (select min(months.lookback_start) from months)

),

-- Each recomputed month with the months of its window: the averages below join the figures
-- on this pair (a hash join), not on a month range (a sort of every figure row).
window_months as (

    select
        months.month_date,
        months.month_number,
        window_month.month_date as window_month_date,
        window_month.month_number as window_month_number
    from months
    inner join {{ ref('int_months') }} as window_month
        on window_month.month_date between months.lookback_start and months.month_date

),

-- A new month's lookback averages as one aggregate over its window's months: a window
-- function would sort and average every stored month again only to keep the new ones. The
-- spine is dense, so the months from lookback_start are the window's rows, and the sums are
-- exact decimals: the same averages as a full build's window, to the bit
-- (tests/test_incremental.py).
new_month_averages as (

    select
        {% for column_name in columns.averaged %}
        cast(avg(figures.{{ column_name }}) as {{ type_double() }}) as {{ column_name }}_avg,
        {% endfor %}
        {% for column_name in columns.trended %}
        cast(
            avg(case when window_months.window_month_number > window_months.month_number - {{ recent_months }} then figures.{{ column_name }} end)
            as {{ type_double() }}
        ) as {{ column_name }}_recent_avg,
        {% endfor %}
        max(case when {{ any_activity('figures', columns.activity) }} then window_months.window_month_number end)
            as last_active_month_number,
        window_months.month_date,
        figures.customer_id
    from window_months
    inner join figures_with_history as figures on window_months.window_month_date = figures.month_date
    group by window_months.month_date, figures.customer_id

),

with_averages as (

    select
        {% for column_name in columns.averaged %}
        new_month_averages.{{ column_name }}_avg,
        {% endfor %}
        {% for column_name in columns.trended %}
        new_month_averages.{{ column_name }}_recent_avg,
        {% endfor %}
        new_month_averages.last_active_month_number,
        monthly.*
    from monthly
    inner join new_month_averages
        on
            monthly.customer_id = new_month_averages.customer_id
            and monthly.month_date = new_month_averages.month_date

),
{% else %}
with_averages as (

    select
        {% for column_name in columns.averaged %}
        -- the window's months the customer existed in: the spine is dense, so rows are months
        cast(avg({{ column_name }}) over (
            partition by customer_id order by month_date rows between {{ lookback_months - 1 }} preceding and current row
        ) as {{ type_double() }}) as {{ column_name }}_avg,
        {% endfor %}
        -- the recent months as a second framed average: measured at a million customers, lags
        -- and a row count cost more (105 s against 97 s for this model)
        {% for column_name in columns.trended %}
        cast(avg({{ column_name }}) over (
            partition by customer_id order by month_date rows between {{ recent_months - 1 }} preceding and current row
        ) as {{ type_double() }}) as {{ column_name }}_recent_avg,
        {% endfor %}
        max(case when {{ any_activity('monthly', columns.activity) }} then month_number end) over (
            partition by customer_id order by month_date rows between {{ lookback_months - 1 }} preceding and current row
        ) as last_active_month_number,
        monthly.*
    from monthly

),
{% endif %}

final as (

    select
        with_averages.customer_id,
        with_averages.month_date,
        {% for column_name in columns.holdings + columns.amounts + columns.activity %}
        with_averages.{{ column_name }},
        {% endfor %}
        customers.birth_date,
        customers.customer_since,
        -- whole years at month end: the difference of years, less one before the birthday
        cast(
            extract(year from with_averages.month_date) - extract(year from customers.birth_date)
            - case
                when
                    extract(month from with_averages.month_date) * 100 + extract(day from with_averages.month_date)
                    < extract(month from customers.birth_date) * 100 + extract(day from customers.birth_date)
                    then 1
                else 0
            end as {{ dbt.type_int() }}
        ) as age_years,
        cast({{ dbt.datediff('customers.customer_since', 'with_averages.month_date', 'month') }} as {{ dbt.type_int() }})
            as tenure_months,
        customers.tier,
        customers.annual_income,
        customers.gender,
        customers.marital_status,
        customers.occupation,
        customers.region,
        {% for column_name in columns.averaged %}
        with_averages.{{ column_name }}_avg,
        {% endfor %}
        with_averages.balance_assets_avg - with_averages.balance_liabilities_avg as balance_net_avg,
        -- the risk dimension: the last min(3, lookback) months against the lookback average, as
        -- a relative change (0 when the average is 0), and months since any activity
        {% for column_name in columns.trended %}
        coalesce(
            (with_averages.{{ column_name }}_recent_avg - with_averages.{{ column_name }}_avg)
            / nullif(abs(with_averages.{{ column_name }}_avg), 0),
            0
        ) as {{ column_name }}_trend,
        {% endfor %}
        cast(
            coalesce(with_averages.month_number - with_averages.last_active_month_number, {{ lookback_months }})
            as {{ dbt.type_int() }}
        ) as months_since_last_activity,
        -- activity is falling when its recent months are var activity_falling_share below the average
        (
            {% for column_name in columns.activity %}with_averages.{{ column_name }}_recent_avg{{ ' + ' if not loop.last }}{% else %}0{% endfor %}
        ) < {{ 1 - var_share('activity_falling_share') }} * (
            {% for column_name in columns.activity %}with_averages.{{ column_name }}_avg{{ ' + ' if not loop.last }}{% else %}0{% endfor %}
        ) as is_activity_falling,
        with_averages.products_held_total > 0 as is_active,
        cast({{ lookback_months }} as {{ dbt.type_int() }}) as lookback_months,
        {{ this_run_started_at() }} as built_at
    from with_averages
    inner join customers on with_averages.customer_id = customers.customer_id

)

select * from final
