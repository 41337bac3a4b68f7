-- Customers per quintile of income, age and tenure, for each segment and each tier. The
-- quintile edges are computed once over all active customers at the reference month and
-- stored on every row, so a quintile means the same for every segment and tier. Equal values
-- always share a quintile; an unknown value goes to an explicit 'unknown' bucket. Every group
-- has all five quintiles of every dimension, an empty one with 0 customers, so charts of two
-- groups line up.

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
        end as quintile
    from measured
    inner join edges on measured.dimension = edges.dimension

),

grouped as (

    {{ by_segment_and_tier('bucketed', ['dimension', 'quintile']) }}

),

counted as (

    select
        grouping,
        group_key,
        group_label,
        group_rank,
        dimension,
        quintile,
        count(*) as customers
    from grouped
    group by grouping, group_key, group_label, group_rank, dimension, quintile

),

quintiles as (

    select 1 as quintile
    union all
    select 2 as quintile
    union all
    select 3 as quintile
    union all
    select 4 as quintile
    union all
    select 5 as quintile

),

group_dimensions as (

    select distinct
        grouping,
        group_key,
        group_label,
        group_rank,
        dimension
    from counted

),

-- every quintile of every group and dimension, and the unknown bucket where there is one
cells as (

    select
        group_dimensions.grouping,
        group_dimensions.group_key,
        group_dimensions.group_label,
        group_dimensions.group_rank,
        group_dimensions.dimension,
        quintiles.quintile
    from group_dimensions
    cross join quintiles
    union all
    select
        grouping,
        group_key,
        group_label,
        group_rank,
        dimension,
        quintile
    from counted
    where quintile is null

),

final as (

    select
        cells.grouping,
        cells.group_key,
        cells.group_label,
        cast(cells.group_rank as {{ dbt.type_int() }}) as group_rank,
        cells.dimension,
        coalesce(cast(cells.quintile as {{ dbt.type_string() }}), 'unknown') as quintile_label,
        cast(cells.quintile as {{ dbt.type_int() }}) as quintile,
        case cells.quintile
            when 1 then edges.edge_0 when 2 then edges.edge_1 when 3 then edges.edge_2 when 4 then edges.edge_3 when 5 then edges.edge_4
        end as lower_bound,
        case cells.quintile
            when 1 then edges.edge_1 when 2 then edges.edge_2 when 3 then edges.edge_3 when 4 then edges.edge_4 when 5 then edges.edge_5
        end as upper_bound,
        cast(coalesce(counted.customers, 0) as {{ dbt.type_int() }}) as customers,
        {{ share('coalesce(counted.customers, 0)', 'sum(coalesce(counted.customers, 0)) over (partition by cells.grouping, cells.group_key, cells.dimension)') }}
            as share_of_group
    from cells
    inner join edges on cells.dimension = edges.dimension
    left join counted
        on
            cells.grouping = counted.grouping
            and cells.group_key = counted.group_key
            and cells.dimension = counted.dimension
            and cells.quintile is not distinct from counted.quintile

)

select * from final
