-- Month x segment: customers, revenue and balance in every scored month, with how many
-- customers kept their segment from the month before (per segment and for the month).
-- Incremental on the month: a run recomputes the months from the first one the scoring wrote
-- since this mart's last build (seg_history_builds), reading the month before it for the
-- retention; every month when a segment was renamed or a customer removed since the stored rows.
{{ month_incremental_config(post_hook=history_build_hooks()) }}
-- depends_on: {{ ref('seg_customer_month_segments') }}, {{ ref('seg_segment_names') }}, {{ ref('seg_history_builds') }}

with months as (

    select * from {{ ref('int_months') }}

),

{% if is_incremental() %}
names as (

    select * from {{ ref('seg_segment_names') }}

),

scored_since_last_build as (

    {{ scored_since_last_build() }}

),

-- Stored rows that no longer hold: a segment renamed, or a month whose customers are no longer
-- those scored (a customer removed from the input).
renamed as (

    select count(*) as stored_rows
    from {{ this }} as previous_rows
    left join names on previous_rows.segment_id = names.segment_id
    where names.segment_name is null or previous_rows.segment_name <> names.segment_name

),

stored_months as (

    select
        month_date,
        sum(customers) as customers
    from {{ this }}
    group by month_date

),

scored_months as (

    select
        month_date,
        count(*) as customers
    from {{ ref('seg_customer_month_segments') }}
    group by month_date

),

recounted as (

    select count(*) as stored_months
    from stored_months
    left join scored_months on stored_months.month_date = scored_months.month_date
    where scored_months.customers is null or scored_months.customers <> stored_months.customers

),

rebuilt_from as (

    select
        case
            when
                renamed.stored_rows > 0 or recounted.stored_months > 0
                then cast('1900-01-01' as date)
            else scored_since_last_build.first_month
        end as first_month
    from scored_since_last_build
    cross join renamed
    cross join recounted

),

-- the month before the first one recomputed, read for the retention
retention_from as (

    select coalesce(max(months.month_date), cast('1900-01-01' as date)) as month_date
    from months
    cross join rebuilt_from
    where months.month_date < rebuilt_from.first_month

),
{% endif %}

history as (

    select * from {{ ref('customer_segment_history') }}
    {% if is_incremental() %}
    where month_date >= (select retention_from.month_date from retention_from)
    {% endif %}

),

features as (

    select * from {{ ref('int_customer_month_features') }}
    {% if is_incremental() %}
    where month_date >= (select rebuilt_from.first_month from rebuilt_from)
    {% endif %}

),

with_money as (

    select
        history.month_date,
        history.segment_id,
        history.segment_name,
        history.customer_id,
        features.revenue_total,
        features.balance_assets,
        features.balance_liabilities,
        features.balance_net
    from history
    inner join features
        on
            history.customer_id = features.customer_id
            and history.month_date = features.month_date

),

segment_months as (

    select
        month_date,
        segment_id,
        segment_name,
        cast(count(*) as {{ dbt.type_int() }}) as customers,
        cast(sum(revenue_total) as {{ dbt.type_numeric() }}) as total_revenue,
        {{ exact_avg('revenue_total') }} as avg_revenue,
        cast(sum(balance_assets) as {{ dbt.type_numeric() }}) as total_assets,
        cast(sum(balance_liabilities) as {{ dbt.type_numeric() }}) as total_liabilities,
        cast(sum(balance_net) as {{ dbt.type_numeric() }}) as net_balance
    from with_money
    group by month_date, segment_id, segment_name

),

-- Customers active in both a month and the month before, with both segments.
consecutive as (

    select
        current_month.month_date,
        previous_month.segment_id as previous_segment_id,
        current_month.segment_id
    from history as current_month
    inner join months on current_month.month_date = months.month_date
    inner join months as months_before on months.month_number - 1 = months_before.month_number
    inner join history as previous_month
        on
            current_month.customer_id = previous_month.customer_id
            and months_before.month_date = previous_month.month_date
    {% if is_incremental() %}
    where current_month.month_date >= (select rebuilt_from.first_month from rebuilt_from)
    {% endif %}

),

retention as (

    select
        month_date,
        previous_segment_id as segment_id,
        {{ share('sum(case when segment_id = previous_segment_id then 1 else 0 end)', 'count(*)') }} as segment_retention
    from consecutive
    group by month_date, previous_segment_id

),

stability as (

    select
        month_date,
        {{ share('sum(case when segment_id = previous_segment_id then 1 else 0 end)', 'count(*)') }} as month_stability
    from consecutive
    group by month_date

),

final as (

    select
        segment_months.month_date,
        segment_months.segment_id,
        segment_months.segment_name,
        segment_months.customers,
        {{ share('segment_months.customers', 'sum(segment_months.customers) over (partition by segment_months.month_date)') }}
            as share_of_active,
        segment_months.total_revenue,
        {{ share('segment_months.total_revenue', 'sum(segment_months.total_revenue) over (partition by segment_months.month_date)') }}
            as revenue_share,
        segment_months.avg_revenue,
        segment_months.total_assets,
        {{ share('segment_months.total_assets', 'sum(segment_months.total_assets) over (partition by segment_months.month_date)') }}
            as asset_share,
        segment_months.total_liabilities,
        segment_months.net_balance,
        retention.segment_retention,
        stability.month_stability
    from segment_months
    left join retention
        on
            segment_months.month_date = retention.month_date
            and segment_months.segment_id = retention.segment_id
    left join stability on segment_months.month_date = stability.month_date

)

select * from final
