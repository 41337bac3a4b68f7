-- How many distinct product types customers hold, per segment and per tier: the distribution
-- (customers per count) and the group's average.

with customers as (

    select * from {{ ref('customer_segments') }}

),

grouped as (

    {{ by_segment_and_tier('customers', ['product_types_held']) }}

),

counted as (

    select
        grouping,
        group_key,
        group_label,
        group_rank,
        product_types_held,
        cast(count(*) as {{ dbt.type_int() }}) as customers
    from grouped
    group by grouping, group_key, group_label, group_rank, product_types_held

),

final as (

    select
        grouping,
        group_key,
        group_label,
        cast(group_rank as {{ dbt.type_int() }}) as group_rank,
        product_types_held,
        customers,
        {{ share('customers', 'sum(customers) over (partition by grouping, group_key)') }} as share_of_group,
        {{ share('sum(customers * product_types_held) over (partition by grouping, group_key)',
                 'sum(customers) over (partition by grouping, group_key)') }} as avg_product_types_held
    from counted

)

select * from final
