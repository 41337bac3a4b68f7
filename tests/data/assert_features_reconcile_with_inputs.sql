-- For every month of history, the features hold exactly the inputs' assets, liabilities (what
-- customers owe, turned positive by var liability_balances_sign), net balance = assets -
-- liabilities, revenue, and as many active customers as customers holding an open product.
-- Returns the months where any of the three disagree. Money is compared to a hundredth of a
-- cent: exact on DuckDB and Postgres, but some engines (fakesnow) sum decimals as doubles.
-- Only the months this build wrote (built_by_this_run in macros/incremental.sql); every month
-- on a full build or under dbt test.

with months as (

    select distinct month_date from {{ ref('int_customer_month_features') }}
    where {{ built_by_this_run() }}

),

features as (

    select
        month_date,
        sum(balance_assets) as assets,
        sum(balance_liabilities) as liabilities,
        sum(balance_net) as net_balance,
        sum(revenue_total) as revenue,
        sum(case when is_active then 1 else 0 end) as active_customers
    from {{ ref('int_customer_month_features') }}
    where month_date in (select months.month_date from months)
    group by month_date

),

input_balances as (

    select
        balances.month_date,
        sum(case when products.is_liability then 0 else balances.balance end) as assets,
        sum(case when products.is_liability then {{ liability_sign() }} * balances.balance else 0 end) as liabilities
    from {{ ref('stg_bank__balances') }} as balances
    inner join {{ ref('stg_bank__products') }} as products on balances.product_id = products.product_id
    where balances.month_date in (select months.month_date from months)
    group by balances.month_date

),

input_revenues as (

    select
        month_date,
        sum(revenue) as revenue
    from {{ ref('stg_bank__revenues') }}
    where month_date in (select months.month_date from months)
    group by month_date

),

holders as (

    select
        months.month_date,
        count(distinct holdings.customer_id) as active_customers
    from months
    inner join {{ ref('stg_bank__product_holdings') }} as holdings
        on
            months.month_date >= holdings.opened_on
            and (holdings.closed_on is null or months.month_date < holdings.closed_on)
    group by months.month_date

),

compared as (

    select
        months.month_date,
        coalesce(features.assets, 0) as feature_assets,
        coalesce(input_balances.assets, 0) as input_assets,
        coalesce(features.liabilities, 0) as feature_liabilities,
        coalesce(input_balances.liabilities, 0) as input_liabilities,
        coalesce(features.net_balance, 0) as feature_net_balance,
        coalesce(features.revenue, 0) as feature_revenue,
        coalesce(input_revenues.revenue, 0) as input_revenue,
        coalesce(features.active_customers, 0) as feature_active_customers,
        coalesce(holders.active_customers, 0) as holding_customers
    from months
    left join features on months.month_date = features.month_date
    left join input_balances on months.month_date = input_balances.month_date
    left join input_revenues on months.month_date = input_revenues.month_date
    left join holders on months.month_date = holders.month_date

)

select * from compared
where
    abs(feature_assets - input_assets) > 0.0001
    or abs(feature_liabilities - input_liabilities) > 0.0001
    or abs(feature_net_balance - (input_assets - input_liabilities)) > 0.0001
    or abs(feature_revenue - input_revenue) > 0.0001
    or feature_active_customers <> holding_customers
