-- Why customers move: for each move between two segments in segment_transitions of at least
-- var('transition_driver_min_customers') customers, and each model feature, the mean change of
-- the movers between the two months in standardized units against the mean change of the
-- customers who stayed in the from segment over the same months. The difference is the
-- driver: what the movers did that the stayers did not. Ranked per move by its size.
{%- set features = model_feature_names() -%}
{%- set min_customers = var_int('transition_driver_min_customers', 1, 1000000) %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with transitions as (

    select * from {{ ref('segment_transitions') }}

),

history as (

    select * from {{ ref('customer_segment_history') }}

),

standardized as (

    select * from {{ ref('seg_customer_months_standardized') }}

),

labels as (

    select * from {{ ref('seg_feature_labels') }}

),

preprocessing as (

    select * from {{ ref('seg_preprocessing') }}

),

pairs as (

    select distinct
        from_month,
        to_month
    from transitions

),

-- Every customer in a segment at both months, with the change of each feature.
customer_changes as (

    select
        pairs.from_month,
        pairs.to_month,
        earlier.segment_id as from_segment_id,
        later.segment_id as to_segment_id,
        {% for feature in features %}
        after_values.{{ feature }} - before_values.{{ feature }} as {{ feature }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from pairs
    inner join history as earlier on pairs.from_month = earlier.month_date
    inner join history as later
        on
            pairs.to_month = later.month_date
            and earlier.customer_id = later.customer_id
    inner join standardized as before_values
        on
            earlier.customer_id = before_values.customer_id
            and earlier.month_date = before_values.month_date
    inner join standardized as after_values
        on
            later.customer_id = after_values.customer_id
            and later.month_date = after_values.month_date

),

group_changes as (

    select
        from_month,
        to_month,
        from_segment_id,
        to_segment_id,
        {% for feature in features %}
        {{ exact_avg(feature) }} as {{ feature }},
        {% endfor %}
        count(*) as customers
    from customer_changes
    group by from_month, to_month, from_segment_id, to_segment_id

),

moves as (

    select *
    from group_changes
    where from_segment_id != to_segment_id and customers >= {{ min_customers }}

),

stays as (

    select *
    from group_changes
    where from_segment_id = to_segment_id

),

-- One row per move and feature.
driver_rows as (

    {% for feature in features %}
    select
        moves.from_month,
        moves.to_month,
        moves.from_segment_id,
        moves.to_segment_id,
        moves.customers,
        coalesce(stays.customers, 0) as stayers,
        '{{ feature }}' as feature,
        moves.{{ feature }} as mover_change,
        stays.{{ feature }} as stayer_change
    from moves
    left join stays
        on
            moves.from_month = stays.from_month
            and moves.to_month = stays.to_month
            and moves.from_segment_id = stays.from_segment_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        driver_rows.from_month,
        driver_rows.to_month,
        transitions.is_consecutive,
        cast(driver_rows.from_segment_id as {{ dbt.type_int() }}) as from_segment_id,
        transitions.from_label,
        cast(driver_rows.to_segment_id as {{ dbt.type_int() }}) as to_segment_id,
        transitions.to_label,
        cast(driver_rows.customers as {{ dbt.type_int() }}) as customers,
        cast(driver_rows.stayers as {{ dbt.type_int() }}) as stayers,
        driver_rows.feature,
        labels.feature_label,
        labels.feature_group,
        driver_rows.mover_change,
        driver_rows.stayer_change,
        -- no stayers to compare with: the movers' own change
        driver_rows.mover_change - coalesce(driver_rows.stayer_change, 0) as relative_change,
        cast(row_number() over (
            partition by driver_rows.from_month, driver_rows.to_month, driver_rows.from_segment_id, driver_rows.to_segment_id
            order by abs(driver_rows.mover_change - coalesce(driver_rows.stayer_change, 0)) desc, driver_rows.feature asc
        ) as {{ dbt.type_int() }}) as driver_rank
    from driver_rows
    inner join transitions
        on
            driver_rows.from_month = transitions.from_month
            and driver_rows.to_month = transitions.to_month
            and driver_rows.from_segment_id = transitions.from_segment_id
            and driver_rows.to_segment_id = transitions.to_segment_id
    inner join labels on driver_rows.feature = labels.feature
    -- a feature the model does not use is 0 in every month: it never drives a move
    inner join preprocessing on driver_rows.feature = preprocessing.feature
    where preprocessing.is_used

)

select * from final
