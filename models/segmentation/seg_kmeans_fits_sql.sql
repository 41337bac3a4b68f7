{#- The registry of fits written by the SQL KMeans engine (kmeans_engine = 'sql'): the Python
    engine's rows, one per fit, segment and used feature, plus the fit_key they were fitted for.
    The kmeans materialization (macros/materializations/kmeans.sql) fits the training matrix and
    keeps the stored rows while fit_key is unchanged (var refit_model); this select turns the best
    fit into registry rows. fit_number: a refit of a month keeps its number, else the next one.
    Stable segment ids: matched one-to-one to the latest earlier fit's centroids by least total
    distance over shared features (every permutation up to 8 segments, else greedy by ascending
    distance); the other clusters get fresh ids, largest first, ties by centroid values. -#}
{{ config(
    materialized='kmeans',
    kmeans_matrix='seg_training_matrix',
    kmeans_k=[var_int('n_clusters', 2, 50)],
    fit_inputs='seg_fit_inputs',
    enabled=kmeans_engine() == 'sql',
) }}
{%- set features = kmeans_features(ref('seg_training_matrix')) -%}
{%- set k = var_int('n_clusters', 2, 50) -%}
{%- set registry = none if should_full_refresh() else load_relation(this) -%}
{%- set text = dbt.type_string() -%}
{%- set padded_id = "lpad(cast(distances.segment_id as " ~ text ~ "), 9, '0')" -%}
{%- set is_free = dbt.position('ranked_pairs.cluster_token', 'greedy.taken') ~ ' = 0 and '
    ~ dbt.position('ranked_pairs.id_token', 'greedy.taken') ~ ' = 0' %}

with recursive fit as (

    select * from {{ kmeans_work('fits') }}
    where restart_rank = 1

),

matrix as (

    select * from {{ ref('seg_training_matrix') }}

),

fit_inputs as (

    select * from {{ ref('seg_fit_inputs') }}

),

used_features as (

    select feature from {{ ref('seg_preprocessing') }}
    where is_used

),

registry as (

    {% if registry is none -%}
    select
        cast(null as {{ dbt.type_int() }}) as fit_number,
        cast(null as date) as reference_month,
        cast(null as {{ dbt.type_int() }}) as segment_id,
        cast(null as {{ text }}) as feature,
        cast(null as {{ type_double() }}) as centroid
    where 1 = 0
    {%- else -%}
    select * from {{ registry }}
    {%- endif %}

),

numbering as (

    select
        coalesce(
            min(case when registry.reference_month = fit_inputs.reference_month then registry.fit_number end),
            max(registry.fit_number) + 1,
            1
        ) as fit_number,
        max(case when registry.reference_month != fit_inputs.reference_month then registry.fit_number end)
            as previous_fit_number
    from fit_inputs
    left join registry on 1 = 1

),

previous_centroids as (

    select
        {% for f in features %}
        max(case when registry.feature = '{{ f }}' then registry.centroid end) as {{ f }},
        {% endfor %}
        registry.segment_id
    from registry
    inner join numbering on registry.fit_number = numbering.previous_fit_number
    inner join used_features on registry.feature = used_features.feature
    group by registry.segment_id

),

previous_fit as (

    select
        count(*) = {{ k }} and {{ k }} <= 8 as is_exhaustive,
        coalesce(max(segment_id), 0) as last_segment_id
    from previous_centroids

),

ranked as (

    select
        fit.*,
        row_number() over (
            order by fit.cluster_size desc, {{ kmeans_each(features, 'fit.{f}') }}, fit.segment
        ) as initial_rank
    from fit

),

distances as (

    select
        ranked.segment,
        previous_centroids.segment_id,
        power(
            {{ kmeans_each(features, 'coalesce(power(ranked.{f} - previous_centroids.{f}, 2), 0)', ' + ') }},
            0.5
        ) as distance
    from ranked
    cross join previous_centroids

),

-- every one-to-one assignment of the previous ids to clusters 0, 1, ... in turn
permutations (depth, id_path, total_distance) as (

    select
        0,
        cast('|' as {{ text }}),
        cast(0 as {{ type_double() }})
    from previous_fit
    where previous_fit.is_exhaustive

    union all

    select
        permutations.depth + 1,
        cast(permutations.id_path || {{ padded_id }} || '|' as {{ text }}),
        permutations.total_distance + distances.distance
    from permutations
    inner join distances on permutations.depth = distances.segment
    where {{ dbt.position("'|' || " ~ padded_id ~ " || '|'", 'permutations.id_path') }} = 0

),

best_permutation as (

    select id_path
    from permutations
    where depth = {{ k }}
    order by total_distance, id_path
    limit 1

),

ranked_pairs as (

    select
        segment,
        segment_id,
        '|c' || cast(segment as {{ text }}) || '|' as cluster_token,
        '|s' || cast(segment_id as {{ text }}) || '|' as id_token,
        row_number() over (order by distance, segment, segment_id) as pair_rank
    from distances

),

-- the pairs by ascending distance, each matched when its cluster and its id are both free;
-- taken lists the matched clusters and ids
greedy (pair_rank, segment, segment_id, is_match, taken) as (

    select
        cast(0 as {{ dbt.type_bigint() }}),
        -1,
        -1,
        false,
        cast('' as {{ text }})
    from previous_fit
    where not previous_fit.is_exhaustive

    union all

    select
        ranked_pairs.pair_rank,
        ranked_pairs.segment,
        ranked_pairs.segment_id,
        {{ is_free }},
        cast(
            case
                when {{ is_free }} then greedy.taken || ranked_pairs.cluster_token || ranked_pairs.id_token
                else greedy.taken
            end as {{ text }}
        )
    from greedy
    inner join ranked_pairs on greedy.pair_rank + 1 = ranked_pairs.pair_rank

),

matches as (

    select
        ranked.segment,
        cast(substr(best_permutation.id_path, 2 + 10 * ranked.segment, 9) as {{ dbt.type_int() }}) as segment_id
    from ranked
    cross join best_permutation

    union all

    select
        segment,
        segment_id
    from greedy
    where is_match

),

segment_ids as (

    select
        ranked.*,
        coalesce(
            matches.segment_id,
            previous_fit.last_segment_id
            + row_number() over (partition by matches.segment_id is null order by ranked.initial_rank)
        ) as segment_id
    from ranked
    cross join previous_fit
    left join matches on ranked.segment = matches.segment

),

centroids as (

    {% for f in features %}
    select
        segment,
        '{{ f }}' as feature,
        {{ f }} as centroid
    from fit
    {{ 'union all' if not loop.last }}
    {% endfor %}

),

sizes as (

    select count(*) as training_rows from matrix

),

final as (

    select
        cast(numbering.fit_number as {{ dbt.type_int() }}) as fit_number,
        fit_inputs.reference_month,
        cast(segment_ids.segment_id as {{ dbt.type_int() }}) as segment_id,
        cast(centroids.feature as {{ text }}) as feature,
        centroids.centroid,
        cast(segment_ids.cluster_size as {{ dbt.type_int() }}) as cluster_size,
        cast({{ k }} as {{ dbt.type_int() }}) as n_clusters,
        cast({{ var_int('random_seed', 0, 2147483647) }} as {{ dbt.type_bigint() }}) as random_seed,
        cast({{ var_int('n_init', 1, 100) }} as {{ dbt.type_int() }}) as n_init,
        cast({{ var_int('max_iter', 1, 10000) }} as {{ dbt.type_int() }}) as max_iter,
        cast(sizes.training_rows as {{ dbt.type_int() }}) as training_rows,
        segment_ids.inertia,
        cast(segment_ids.n_iter as {{ dbt.type_int() }}) as n_iter,
        fit_inputs.reference_month as fitted_at,
        cast(fit_inputs.fit_key as {{ text }}) as fit_key
    from centroids
    inner join used_features on centroids.feature = used_features.feature
    inner join segment_ids on centroids.segment = segment_ids.segment
    cross join numbering
    cross join fit_inputs
    cross join sizes

)

select * from final
