-- Why customers move: for each move between two segments in segment_transitions of at least
-- var('transition_driver_min_customers') customers, and each model feature, the mean change of
-- the movers between the two months in standardized units against the mean change of the
-- customers who stayed in the from segment over the same months. The difference is the
-- driver: what the movers did that the stayers did not. Ranked per move by its size.
-- Incremental on to_month, as segment_transitions: a run recomputes the pairs into the months
-- from the first one the scoring wrote since this mart's last build (seg_history_builds) and
-- every pair into the reference month; every pair when a stored move no longer matches
-- segment_transitions (its customers or labels: a customer removed, a segment renamed). The
-- pre-hook first deletes every stored move that is no longer a move of segment_transitions of
-- at least transition_driver_min_customers: a month whose moves all fell below it (after a
-- refit, a restatement, another comparison month) writes no row that would replace them.
{{ month_incremental_config(
    unique_key='to_month',
    pre_hook="{{ delete_unmatched_moves(ref('segment_transitions')) }}",
    post_hook=history_build_hooks(),
) }}
{%- set min_customers = var_int('transition_driver_min_customers', 1, 1000000) -%}
{%- set features = model_feature_names() %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}
-- depends_on: {{ ref('seg_customer_month_segments') }}, {{ ref('seg_history_builds') }}

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

reference as (

    select * from {{ ref('int_reference_month') }}

),

{% if is_incremental() %}
scored_since_last_build as (

    {{ scored_since_last_build() }}

),

-- The pairs this run would keep. A move there that segment_transitions has and the stored rows
-- lack (its labels or customers changed, the pre-hook deleted it; another
-- transition_driver_min_customers) and every pair is recomputed.
kept_pairs as (

    select
        transitions.from_month,
        transitions.to_month
    from transitions
    cross join scored_since_last_build
    cross join reference
    where transitions.to_month < scored_since_last_build.first_month and transitions.to_month != reference.reference_month
    group by transitions.from_month, transitions.to_month

),

stored_moves as (

    select distinct
        stored_rows.from_month,
        stored_rows.to_month,
        stored_rows.from_segment_id,
        stored_rows.to_segment_id,
        stored_rows.from_label,
        stored_rows.to_label,
        stored_rows.customers
    from {{ this }} as stored_rows
    inner join kept_pairs
        on
            stored_rows.from_month = kept_pairs.from_month
            and stored_rows.to_month = kept_pairs.to_month

),

current_moves as (

    select transitions.*
    from transitions
    inner join kept_pairs
        on
            transitions.from_month = kept_pairs.from_month
            and transitions.to_month = kept_pairs.to_month
    where transitions.from_segment_id != transitions.to_segment_id and transitions.customers >= {{ min_customers }}

),

stale_moves as (

    select count(*) as moves
    from current_moves
    left join stored_moves
        on
            current_moves.from_month = stored_moves.from_month
            and current_moves.to_month = stored_moves.to_month
            and current_moves.from_segment_id = stored_moves.from_segment_id
            and current_moves.to_segment_id = stored_moves.to_segment_id
            and current_moves.from_label = stored_moves.from_label
            and current_moves.to_label = stored_moves.to_label
            and current_moves.customers = stored_moves.customers
    where stored_moves.to_month is null

),

rebuilt_from as (

    select
        case
            when stale_moves.moves > 0 then cast('1900-01-01' as date)
            else scored_since_last_build.first_month
        end as first_month
    from scored_since_last_build
    cross join stale_moves

),
{% endif %}

pairs as (

    select distinct
        transitions.from_month,
        transitions.to_month
    from transitions
    {% if is_incremental() %}
    cross join reference
    where
        transitions.to_month >= (select rebuilt_from.first_month from rebuilt_from)
        or transitions.to_month = reference.reference_month
    {% endif %}

),

pair_months as (

    select from_month as month_date from pairs
    union
    select to_month as month_date from pairs

),

-- The months of the pairs only (adding a month reads a few).
pair_history as (

    select *
    from history
    where month_date in (select pair_months.month_date from pair_months)

),

pair_standardized as (

    select *
    from standardized
    where month_date in (select pair_months.month_date from pair_months)

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
    inner join pair_history as earlier on pairs.from_month = earlier.month_date
    inner join pair_history as later
        on
            pairs.to_month = later.month_date
            and earlier.customer_id = later.customer_id
    inner join pair_standardized as before_values
        on
            earlier.customer_id = before_values.customer_id
            and earlier.month_date = before_values.month_date
    inner join pair_standardized as after_values
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
        -- varchar, the contract's type: Postgres's type_string() is text, which an incremental
        -- run would take for a change of the table's columns.
        cast(driver_rows.feature as varchar) as feature,
        cast(labels.feature_label as varchar) as feature_label,
        cast(labels.feature_group as varchar) as feature_group,
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
