-- Customers moving between segments from one scored month to another: every pair of
-- consecutive months, plus the reference month against var('transition_comparison_months')
-- months before it. Customers who became active appear as 'new', those who stopped being
-- active as 'churned', so flows add up on both sides (ready for a Sankey chart).
-- Incremental on to_month: a run recomputes the pairs into the months from the first one the
-- scoring wrote since this mart's last build (seg_history_builds), and every pair into the
-- reference month; the pre-hook drops the stored non-consecutive pairs, which only the
-- reference month has. Every pair when a segment was renamed or a customer removed since.
{{ month_incremental_config(
    unique_key='to_month',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where not is_consecutive{% endif %}",
    post_hook=history_build_hooks(),
) }}
{%- set offsets = var_int_list('transition_comparison_months', 1, 120) %}
-- depends_on: {{ ref('seg_customer_month_segments') }}, {{ ref('seg_segment_names') }}, {{ ref('seg_history_builds') }}

with history as (

    select * from {{ ref('customer_segment_history') }}

),

months as (

    select * from {{ ref('int_months') }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

{% if is_incremental() %}
names as (

    select * from {{ ref('seg_segment_names') }}

),

scored_since_last_build as (

    {{ scored_since_last_build() }}

),

renamed as (

    select count(*) as stored_rows
    from {{ this }} as previous_rows
    left join names on previous_rows.to_segment_id = names.segment_id
    where previous_rows.to_segment_id is not null and (names.segment_name is null or previous_rows.to_label <> names.segment_name)

),

stored_months as (

    select
        to_month as month_date,
        sum(customers) as customers
    from {{ this }}
    where is_consecutive and to_segment_id is not null
    group by to_month

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
{% endif %}

candidate_pairs as (

    select
        earlier.month_date as from_month,
        later.month_date as to_month
    from months as earlier
    inner join months as later on earlier.month_number + 1 = later.month_number
    {% for offset in offsets %}
    union all
    select
        earlier.month_date as from_month,
        reference.reference_month as to_month
    from reference
    inner join months as earlier on reference.month_number - {{ offset }} = earlier.month_number
    {% endfor %}

),

pairs as (

    select distinct
        from_month,
        to_month
    from candidate_pairs
    {% if is_incremental() %}
    where
        to_month >= (select rebuilt_from.first_month from rebuilt_from)
        or to_month in (select reference.reference_month from reference)
    {% endif %}

),

from_side as (

    select
        pairs.from_month,
        pairs.to_month,
        history.customer_id,
        history.segment_id,
        history.segment_name
    from pairs
    inner join history on pairs.from_month = history.month_date

),

to_side as (

    select
        pairs.from_month,
        pairs.to_month,
        history.customer_id,
        history.segment_id,
        history.segment_name
    from pairs
    inner join history on pairs.to_month = history.month_date

),

moves as (

    select
        coalesce(from_side.from_month, to_side.from_month) as from_month,
        coalesce(from_side.to_month, to_side.to_month) as to_month,
        from_side.segment_id as from_segment_id,
        from_side.segment_name as from_segment_name,
        to_side.segment_id as to_segment_id,
        to_side.segment_name as to_segment_name
    from from_side
    full outer join to_side
        on
            from_side.from_month = to_side.from_month
            and from_side.to_month = to_side.to_month
            and from_side.customer_id = to_side.customer_id

),

final as (

    select
        moves.from_month,
        moves.to_month,
        months_from.month_number + 1 = months_to.month_number as is_consecutive,
        -- varchar, the contract's type: Postgres's type_string() is text, which an incremental
        -- run would take for a change of the table's columns.
        coalesce(cast(moves.from_segment_id as varchar), 'new') as from_state,
        coalesce(moves.from_segment_name, 'New customers') as from_label,
        moves.from_segment_id,
        coalesce(cast(moves.to_segment_id as varchar), 'churned') as to_state,
        coalesce(moves.to_segment_name, 'Churned') as to_label,
        moves.to_segment_id,
        cast(count(*) as {{ dbt.type_int() }}) as customers
    from moves
    inner join months as months_from on moves.from_month = months_from.month_date
    inner join months as months_to on moves.to_month = months_to.month_date
    group by
        moves.from_month,
        moves.to_month,
        months_from.month_number,
        months_to.month_number,
        moves.from_segment_id,
        moves.from_segment_name,
        moves.to_segment_id,
        moves.to_segment_name

)

select * from final
