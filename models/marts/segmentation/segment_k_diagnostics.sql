-- Fit quality for each k of the diagnostics range, to choose k (elbow on inertia; silhouette
-- and Calinski-Harabasz higher, Davies-Bouldin lower is better), and one recommended k by a
-- stated rule: the smallest k whose silhouette and Davies-Bouldin are within k_score_tolerance
-- of the best of the range, whose smallest segment holds at least min_segment_share of the
-- customers, and whose stability is at least k_stability_min. When no k passes, the k of the
-- best silhouette, with that said. Report only: n_clusters still decides the segmentation.
{%- set tolerance = var_share('k_score_tolerance') -%}
{%- set min_share = var_share('min_segment_share') -%}
{%- set min_stability = var_share('k_stability_min', 1) -%}
{%- set tolerance_text = '%g%%' | format(tolerance * 100) -%}
{%- set min_share_text = '%g%%' | format(min_share * 100) %}

with diagnostics as (

    -- the diagnostics of the engine in use
    select * from {{ ref('seg_k_diagnostics') if kmeans_engine() == 'python' else ref('seg_k_diagnostics_sql') }}

),

summary as (

    select * from {{ ref('seg_model_summary') }}

),

-- The diagnostics table keeps every reference month's rows; the current one is shown.
current_diagnostics as (

    select diagnostics.*
    from diagnostics
    inner join summary on diagnostics.reference_month = summary.reference_month

),

best_scores as (

    select
        best_silhouette,
        best_davies_bouldin,
        best_silhouette - {{ tolerance }} * abs(best_silhouette) as silhouette_floor,
        best_davies_bouldin * (1 + {{ tolerance }}) as davies_bouldin_ceiling
    from (
        select
            max(silhouette) as best_silhouette,
            min(davies_bouldin) as best_davies_bouldin
        from current_diagnostics
    ) as best

),

rules as (

    select
        current_diagnostics.*,
        best_scores.silhouette_floor,
        best_scores.davies_bouldin_ceiling,
        coalesce(current_diagnostics.silhouette >= best_scores.silhouette_floor, false) as has_good_silhouette,
        current_diagnostics.davies_bouldin <= best_scores.davies_bouldin_ceiling as has_good_davies_bouldin,
        current_diagnostics.smallest_segment_share >= {{ min_share }} as has_large_segments,
        -- a single restart (n_init 1) has no runner-up to compare with: stability is not a rule then
        coalesce(current_diagnostics.stability >= {{ min_stability }}, true) as is_stable
    from current_diagnostics
    cross join best_scores

),

checked as (

    select
        rules.*,
        rules.has_good_silhouette and rules.has_good_davies_bouldin and rules.has_large_segments and rules.is_stable
            as passes_rules
    from rules

),

recommendation as (

    select
        coalesce(max(case when checked.passes_rules then 1 else 0 end) = 1, false) as is_passing,
        coalesce(
            min(case when checked.passes_rules then checked.k end),
            min(case when checked.silhouette = best_scores.best_silhouette then checked.k end)
        ) as recommended_k
    from checked
    cross join best_scores

),

final as (

    select
        cast(checked.k as {{ dbt.type_int() }}) as k,
        cast(checked.reference_month as date) as reference_month,
        cast(checked.inertia as {{ type_double() }}) as inertia,
        cast(checked.silhouette as {{ type_double() }}) as silhouette,
        cast(checked.davies_bouldin as {{ type_double() }}) as davies_bouldin,
        cast(checked.calinski_harabasz as {{ type_double() }}) as calinski_harabasz,
        cast(checked.stability as {{ type_double() }}) as stability,
        cast(checked.smallest_segment_share as {{ type_double() }}) as smallest_segment_share,
        cast(checked.silhouette_sample_size as {{ dbt.type_int() }}) as silhouette_sample_size,
        cast(checked.fitted_customers as {{ dbt.type_int() }}) as fitted_customers,
        cast(summary.random_seed as {{ dbt.type_int() }}) as random_seed,
        checked.k = summary.n_clusters as is_chosen_k,
        checked.k = recommendation.recommended_k as is_recommended,
        case
            when checked.k = recommendation.recommended_k and recommendation.is_passing
                then
                    'Recommended: the smallest k within {{ tolerance_text }} of the best silhouette and Davies-Bouldin,'
                    || ' every segment at least {{ min_share_text }} of customers, stability at least {{ min_stability }}'
            when checked.k = recommendation.recommended_k
                then
                    'Recommended as the best silhouette, although no k passes every rule (within {{ tolerance_text }}'
                    || ' of the best silhouette and Davies-Bouldin, segments at least {{ min_share_text }}, stability at least {{ min_stability }})'
            when checked.passes_rules then 'Passes every rule, but a smaller k does too'
            else rtrim(
                'Not recommended:'
                || case when checked.has_good_silhouette then '' else ' silhouette ' || coalesce({{ rounded_text('checked.silhouette', "'score'", 4) }}, 'not measured') || ' below ' || {{ rounded_text('checked.silhouette_floor', "'score'", 4) }} || ';' end
                || case when checked.has_good_davies_bouldin then '' else ' Davies-Bouldin ' || {{ rounded_text('checked.davies_bouldin', "'score'", 4) }} || ' above ' || {{ rounded_text('checked.davies_bouldin_ceiling', "'score'", 4) }} || ';' end
                || case when checked.has_large_segments then '' else ' smallest segment ' || {{ rounded_text('100 * checked.smallest_segment_share', "'score'", 1) }} || '% of customers, below {{ min_share_text }};' end
                || case when checked.is_stable then '' else ' stability ' || {{ rounded_text('checked.stability', "'score'", 3) }} || ' below {{ min_stability }};' end, ';'
            )
        end as recommendation_note
    from checked
    cross join summary
    cross join recommendation

)

select * from final
