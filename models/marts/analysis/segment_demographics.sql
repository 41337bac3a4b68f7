-- Customers per quintile of income, age and tenure, for each segment and each tier. The
-- quintile edges are computed once over all active customers at the reference month and
-- stored on every row, so a quintile means the same for every segment and tier. Equal values
-- always share a quintile; an unknown value goes to an explicit 'unknown' bucket.

with customers as (

    select * from {{ ref('customer_segments') }}

),

measured as (

    select
        customer_id,
        segment_id,
        segment_name,
        tier,
        'income' as dimension,
        cast(annual_income as {{ type_double() }}) as measure
    from customers
    union all
    select
        customer_id,
        segment_id,
        segment_name,
        tier,
        'age' as dimension,
        cast(age_years as {{ type_double() }}) as measure
    from customers
    union all
    select
        customer_id,
        segment_id,
        segment_name,
        tier,
        'tenure' as dimension,
        cast(tenure_months as {{ type_double() }}) as measure
    from customers

),

edges as (

    select
        dimension,
        min(measure) as edge_0,
        percentile_cont(0.2) within group (order by measure) as edge_1,
        percentile_cont(0.4) within group (order by measure) as edge_2,
        percentile_cont(0.6) within group (order by measure) as edge_3,
        percentile_cont(0.8) within group (order by measure) as edge_4,
        max(measure) as edge_5
    from measured
    group by dimension

),

bucketed as (

    select
        measured.customer_id,
        measured.segment_id,
        measured.segment_name,
        measured.tier,
        measured.dimension,
        case
            when measured.measure is null then null
            when measured.measure <= edges.edge_1 then 1
            when measured.measure <= edges.edge_2 then 2
            when measured.measure <= edges.edge_3 then 3
            when measured.measure <= edges.edge_4 then 4
            else 5
        end as quintile,
        edges.edge_0,
        edges.edge_1,
        edges.edge_2,
        edges.edge_3,
        edges.edge_4,
        edges.edge_5
    from measured
    inner join edges on measured.dimension = edges.dimension

),

grouped as (

    {{ by_segment_and_tier('bucketed', ['dimension', 'quintile', 'edge_0', 'edge_1', 'edge_2', 'edge_3', 'edge_4', 'edge_5']) }}

),

counted as (

    select
        grouping,
        group_key,
        group_label,
        dimension,
        quintile,
        case quintile
            when 1 then edge_0 when 2 then edge_1 when 3 then edge_2 when 4 then edge_3 when 5 then edge_4
        end as lower_bound,
        case quintile
            when 1 then edge_1 when 2 then edge_2 when 3 then edge_3 when 4 then edge_4 when 5 then edge_5
        end as upper_bound,
        cast(count(*) as {{ dbt.type_int() }}) as customers
    from grouped
    group by grouping, group_key, group_label, dimension, quintile, edge_0, edge_1, edge_2, edge_3, edge_4, edge_5

),

final as (

    select
        grouping,
        group_key,
        group_label,
        dimension,
        coalesce(cast(quintile as {{ dbt.type_string() }}), 'unknown') as quintile_label,
        cast(quintile as {{ dbt.type_int() }}) as quintile,
        lower_bound,
        upper_bound,
        customers,
        {{ share('customers', 'sum(customers) over (partition by grouping, group_key, dimension)') }} as share_of_group
    from counted

)

select * from final
