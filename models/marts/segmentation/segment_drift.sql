-- One row per scored month against the reference month: is the model still valid? The PSI of
-- the segment mix (the same definition as feature_drift, a bin per segment), the largest
-- feature PSI among the features that drive advice, the mean distance to the assigned centroid
-- relative to the reference month, the share of borderline customers, and for the months after
-- the reference month (scored with the model in force) whether to refit and why. Thresholds:
-- vars psi_watch (0.1) and psi_act (0.25), the industry's usual PSI levels.
{%- set psi_watch = var_share('psi_watch') -%}
{%- set psi_act = var_share('psi_act') %}

with history as (

    select * from {{ ref('customer_segment_history') }}

),

feature_drift as (

    select * from {{ ref('feature_drift') }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

segments as (

    select distinct segment_id from {{ ref('seg_centroids') }}

),

months as (

    select
        month_date,
        count(*) as customers,
        {{ exact_avg('distance_to_centroid') }} as mean_distance,
        avg(case when is_borderline then 1.0 else 0 end) as share_borderline
    from history
    group by month_date

),

segment_counts as (

    select
        month_date,
        segment_id,
        count(*) as customers
    from history
    group by month_date, segment_id

),

segment_shares as (

    select
        months.month_date,
        segments.segment_id,
        greatest(coalesce(segment_counts.customers, 0) * 1.0 / months.customers, 1e-4) as segment_share
    from months
    cross join segments
    left join segment_counts
        on
            months.month_date = segment_counts.month_date
            and segments.segment_id = segment_counts.segment_id

),

segment_psi as (

    select
        segment_shares.month_date,
        {{ exact_sum('(segment_shares.segment_share - reference_shares.segment_share) * ln(segment_shares.segment_share / reference_shares.segment_share)') }}
            as psi
    from segment_shares
    cross join reference
    inner join segment_shares as reference_shares
        on
            segment_shares.segment_id = reference_shares.segment_id
            and reference.reference_month = reference_shares.month_date
    group by segment_shares.month_date

),

largest_feature as (

    select
        month_date,
        feature_label,
        psi,
        row_number() over (partition by month_date order by psi desc, feature asc) as psi_rank
    from feature_drift
    where drives_advice

),

measured as (

    select
        months.month_date,
        months.month_date = reference.reference_month as is_reference_month,
        months.month_date > reference.reference_month as is_after_reference,
        cast(segment_psi.psi as {{ type_double() }}) as segment_mix_psi,
        cast(largest_feature.psi as {{ type_double() }}) as largest_feature_psi,
        largest_feature.feature_label as largest_feature,
        cast(months.mean_distance / reference_months.mean_distance as {{ type_double() }}) as relative_mean_distance,
        cast(months.share_borderline as {{ type_double() }}) as share_borderline
    from months
    cross join reference
    inner join months as reference_months on reference.reference_month = reference_months.month_date
    inner join segment_psi on months.month_date = segment_psi.month_date
    left join largest_feature
        on
            months.month_date = largest_feature.month_date
            and largest_feature.psi_rank = 1

),

final as (

    select
        *,
        case
            when is_after_reference then segment_mix_psi >= {{ psi_act }} or coalesce(largest_feature_psi, 0) >= {{ psi_act }}
        end as refit_recommended,
        cast(
            case
                when not is_after_reference then null
                when segment_mix_psi >= {{ psi_act }}
                    then 'Refit: the segment mix moved (PSI ' || {{ rounded_text('segment_mix_psi', "'psi'", 3) }} || ' >= {{ psi_act }})'
                when coalesce(largest_feature_psi, 0) >= {{ psi_act }}
                    then 'Refit: ' || largest_feature || ' moved (PSI ' || {{ rounded_text('largest_feature_psi', "'psi'", 3) }} || ' >= {{ psi_act }})'
                when segment_mix_psi >= {{ psi_watch }} or coalesce(largest_feature_psi, 0) >= {{ psi_watch }}
                    then 'Watch: a PSI above {{ psi_watch }} (segment mix ' || {{ rounded_text('segment_mix_psi', "'psi'", 3) }} || ', ' || largest_feature || ' ' || {{ rounded_text('largest_feature_psi', "'psi'", 3) }} || ')'
                else 'Stable: every PSI below {{ psi_watch }}'
            end as {{ dbt.type_string() }}
        ) as reason
    from measured

)

select * from final
