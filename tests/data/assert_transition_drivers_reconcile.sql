-- segment_transition_drivers holds exactly the moves of segment_transitions between two
-- segments of at least var('transition_driver_min_customers') customers, each with the same
-- customer count on every feature row. Returns the moves where the two disagree.

with transitions as (

    select * from {{ ref('segment_transitions') }}

),

drivers as (

    select * from {{ ref('segment_transition_drivers') }}

),

expected_moves as (

    select
        from_month,
        to_month,
        from_segment_id,
        to_segment_id,
        customers
    from transitions
    where
        from_segment_id is not null
        and to_segment_id is not null
        and from_segment_id != to_segment_id
        and customers >= {{ var_int('transition_driver_min_customers', 1, 1000000) }}

),

driver_moves as (

    select
        from_month,
        to_month,
        from_segment_id,
        to_segment_id,
        min(customers) as customers,
        max(customers) as most_customers
    from drivers
    group by from_month, to_month, from_segment_id, to_segment_id

)

select
    coalesce(expected_moves.from_month, driver_moves.from_month) as from_month,
    coalesce(expected_moves.to_month, driver_moves.to_month) as to_month,
    coalesce(expected_moves.from_segment_id, driver_moves.from_segment_id) as from_segment_id,
    coalesce(expected_moves.to_segment_id, driver_moves.to_segment_id) as to_segment_id,
    expected_moves.customers as transition_customers,
    driver_moves.customers as driver_customers
from expected_moves
full outer join driver_moves
    on
        expected_moves.from_month = driver_moves.from_month
        and expected_moves.to_month = driver_moves.to_month
        and expected_moves.from_segment_id = driver_moves.from_segment_id
        and expected_moves.to_segment_id = driver_moves.to_segment_id
where
    expected_moves.customers is null
    or driver_moves.customers is null
    or expected_moves.customers != driver_moves.customers
    or driver_moves.most_customers != driver_moves.customers
