{#- Every feature of every customer in every month of history: demographics, holdings,
    balances and revenues per product type, channel activity, each money and activity
    figure both for the month and averaged over the lookback window. Product types and
    activity columns come from the data (macros/features.sql). -#}
{%- set lookback_months = var_int('lookback_months', 1, 120) -%}
{%- set columns = customer_month_feature_columns() %}
-- depends_on: {{ ref('stg_bank__products') }}

with customer_months as (

    select * from {{ ref('int_customer_months') }}

),

holdings as (

    select * from {{ ref('int_holdings_monthly') }}

),

amounts as (

    select * from {{ ref('int_balances_revenues_monthly') }}

),

activity as (

    select * from {{ ref('stg_bank__customer_activity') }}

),

monthly as (

    select
        customer_months.customer_id,
        customer_months.month_date,
        {% for column_name in columns.holdings %}
        cast(coalesce(holdings.{{ column_name }}, 0) as {{ dbt.type_int() }}) as {{ column_name }},
        {% endfor %}
        {% for column_name in columns.amounts %}
        cast(coalesce(amounts.{{ column_name }}, 0) as {{ dbt.type_numeric() }}) as {{ column_name }},
        {% endfor %}
        {% for column_name in columns.activity_inputs %}
        cast(coalesce(activity.{{ column_name }}, 0) as {{ dbt.type_numeric() }}) as activity_{{ column_name }},
        {% endfor %}
        customer_months.birth_date,
        customer_months.customer_since,
        customer_months.age_years,
        customer_months.tenure_months,
        customer_months.tier,
        customer_months.annual_income,
        customer_months.gender,
        customer_months.marital_status,
        customer_months.occupation,
        customer_months.region
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

final as (

    select
        monthly.*,
        {% for column_name in columns.averaged %}
        {{ lookback_avg(column_name, lookback_months) }} as {{ column_name }}_avg,
        {% endfor %}
        monthly.products_held_total > 0 as is_active
    from monthly

)

select * from final
