{#- The SQL KMeans engine's statements; the loop that runs them is the kmeans materialization
    (macros/materializations/kmeans.sql). Centroids live in a work table, one row per k, restart,
    step and segment with a column per f_ feature; each statement reads the matrix (or its sample)
    and that table for all restarts at once. Jinja writes control flow and column lists, never a
    data value. -#}

{% macro kmeans_work(name) -%}
    {#- A work table of the model's fit (matrix, centroids or fits): in its schema, named after it. -#}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__kmeans_' ~ name}, type='table')) }}
{%- endmacro %}


{% macro kmeans_features(matrix) -%}
    {#- The f_ columns of a matrix relation, lower case, sorted: the features a fit runs on. -#}
    {%- set features = [] -%}
    {%- for column in adapter.get_columns_in_relation(matrix) | map(attribute='name') | map('lower') | sort if column.startswith('f_') -%}
        {%- do features.append(column) -%}
    {%- endfor -%}
    {{ return(features) }}
{%- endmacro %}


{% macro kmeans_each(features, template, separator=', ') -%}
    {#- template once per feature, {f} standing for its name: the column lists of the statements. -#}
    {%- for f in features %}{{ separator if not loop.first }}{{ template | replace('{f}', f) }}{% endfor -%}
{%- endmacro %}


{% macro kmeans_uniform(work, restart, step) -%}
    {#- Today's draw int(md5('seed:restart:step')[:12], 16) / 2**48 in plain SQL: exact in a double,
        so k-means++ picks the same customers on every engine. -#}
    {%- set hex = "md5('" ~ work.seed ~ ":' || cast(" ~ restart ~ " as " ~ dbt.type_string() ~ ") || ':" ~ step ~ "')" -%}
    cast(
        {%- for digit in range(12) %}{{ ' + ' if not loop.first }}cast({{ dbt.position('substr(' ~ hex ~ ', ' ~ (digit + 1) ~ ', 1)', "'0123456789abcdef'") }} - 1 as {{ dbt.type_bigint() }}) * {{ 16 ** (11 - digit) }}{% endfor %}
    as {{ type_double() }}) / {{ 2 ** 48 }}
{%- endmacro %}


{% macro kmeans_nearest(matrix, centroids, features, k) -%}
    {#- Every matrix row once per restart of centroids (segments 0..k-1): the nearest segment, ties
        to the lowest, and the squared distance to it. Centroids are pivoted to one row per restart,
        so each distance is one expression, computed once (compute_columns_once). -#}
    select nearest.*, case{% for s in range(k) %} when distance_{{ s }} = squared_distance then {{ s }}{% endfor %} end as segment
    from (
        select distances.*, least({% for s in range(k) %}{{ ', ' if not loop.first }}distance_{{ s }}{% endfor %}) as squared_distance
        from (
            select
                {%- for s in range(k) %}
                {{ kmeans_each(features, '(matrix.{f} - centres.{f}_' ~ s ~ ') * (matrix.{f} - centres.{f}_' ~ s ~ ')', ' + ') }} as distance_{{ s }},
                {%- endfor %}
                centres.restart, matrix.*
            from {{ matrix }} as matrix
            cross join (
                select restart{% for s in range(k) %}, {{ kmeans_each(features, 'max(case when segment = ' ~ s ~ ' then {f} end) as {f}_' ~ s) }}{% endfor %}
                from {{ centroids }} as centroids group by restart
            ) as centres {{ compute_columns_once() }}
        ) as distances {{ compute_columns_once() }}
    ) as nearest
{%- endmacro %}


{% macro kmeans_assign(matrix, centroids, features, k) -%}
    {#- The nearest segment of every matrix row once per restart, ties to the lowest, for the Lloyd
        steps: |c|^2 - 2 x.c ranks the segments as the squared distance |x - c|^2 does, in two
        operations a feature instead of three (the steps' cost on Postgres). -#}
    select labels.*, case{% for s in range(k) %} when score_{{ s }} = best_score then {{ s }}{% endfor %} end as segment
    from (
        select scores.*, least({% for s in range(k) %}{{ ', ' if not loop.first }}score_{{ s }}{% endfor %}) as best_score
        from (
            select
                {%- for s in range(k) %}
                centres.norm_{{ s }} - 2 * ({{ kmeans_each(features, 'matrix.{f} * centres.{f}_' ~ s, ' + ') }}) as score_{{ s }},
                {%- endfor %}
                centres.restart, {{ kmeans_each(features, 'matrix.exact_{f}') }}
            from {{ matrix }} as matrix
            cross join (
                select
                    restart
                    {%- for s in range(k) %}, {{ kmeans_each(features, 'max(case when segment = ' ~ s ~ ' then {f} end) as {f}_' ~ s) }},
                    {{ kmeans_each(features, 'max(case when segment = ' ~ s ~ ' then {f} * {f} end)', ' + ') }} as norm_{{ s }}
                    {%- endfor %}
                from {{ centroids }} as centroids group by restart
            ) as centres {{ compute_columns_once() }}
        ) as scores {{ compute_columns_once() }}
    ) as labels
{%- endmacro %}


{% macro kmeans_segment_sum(expression, k) -%}
    {#- expression summed over segments 0..k-1 of a group in segment order, as today's engine added
        them: sum() may add doubles in any order and change the last bits. -#}
    {%- for s in range(k) %}{{ ' + ' if not loop.first }}coalesce(max(case when segment = {{ s }} then {{ expression }} end), 0){% endfor -%}
{%- endmacro %}


{% macro kmeans_seed_sql(work, k, segment) -%}
    {#- k-means++ pick of centre `segment` of every restart among the sampled customers: the first
        at position floor(u * n) in customer_id order, the next by inverse CDF of the squared
        distance to the nearest centre chosen so far, in customer_id order. -#}
    insert into {{ work.centroids }} (k, restart, step, segment, moved, {{ work.features | join(', ') }})
    with draws as (
        select restart, {{ kmeans_uniform(work, 'restart', segment) }} as draw
        from (select cast(generated_number - 1 as {{ dbt.type_int() }}) as restart from ({{ dbt.generate_series(work.n_init) }}) as series) as restarts
        {{ compute_columns_once() }}
    ),
    {%- if segment == 0 %}
    picked as (
        select draws.restart, matrix.customer_id
        from draws cross join (select count(*) as training_rows from {{ work.sample }}) as sizes
        inner join {{ work.sample }} as matrix on matrix.kmeans_position = floor(draws.draw * sizes.training_rows)
    )
    {%- else %}
    chosen as (select * from {{ work.centroids }} where k = {{ k }} and step = 0),
    nearest as ({{ kmeans_nearest(work.sample, 'chosen', work.features, segment) }}),
    cumulative as (
        select
            restart, customer_id,
            sum(squared_distance) over (partition by restart order by customer_id rows between unbounded preceding and current row) as running,
            sum(squared_distance) over (partition by restart) as total
        from nearest
    ),
    picked as (
        select cumulative.restart, min(cumulative.customer_id) as customer_id
        from cumulative inner join draws on cumulative.restart = draws.restart
        where cumulative.running >= draws.draw * cumulative.total
        group by cumulative.restart
    )
    {%- endif %}
    select {{ k }}, picked.restart, 0, {{ segment }}, true, {{ kmeans_each(work.features, 'matrix.{f}') }}
    from picked inner join {{ work.sample }} as matrix on picked.customer_id = matrix.customer_id
{%- endmacro %}


{% macro kmeans_seeds_of_sql(work, k) -%}
    {#- The k-means++ centres of the fit of k: the first k seeded for work.seeded_k (kmeans_seed). -#}
    insert into {{ work.centroids }} (k, restart, step, segment, moved, {{ work.features | join(', ') }})
    select {{ k }}, restart, step, segment, moved, {{ work.features | join(', ') }}
    from {{ work.centroids }}
    where k = {{ work.seeded_k }} and step = 0 and segment < {{ k }}
{%- endmacro %}


{% macro kmeans_step_sql(work, k, step) -%}
    {#- One Lloyd step of the fit of k: the next centroids are the exact decimal means of the
        step's assignment (a segment without members keeps its centroid). With a step number, of
        every restart still moving on the sample; with none, the refinement: from the latest
        centroids of the restart ranked first on the sample, on every training customer. moved:
        a centroid of the restart changed and, on a sampled fit, the squared shift of its centres
        (added in segment order) is above the tolerance, scikit-learn's stop. A fit on every
        customer runs to the exact fixed point, as before sampling existed. -#}
    insert into {{ work.centroids }} (k, restart, step, segment, moved, {{ work.features | join(', ') }})
    with
    {%- if step is none %}
    centroids as ({{ kmeans_refined_sql(work, k) }}),
    labelled as ({{ kmeans_assign(work.matrix, 'centroids', work.features, k) }}),
    {%- else %}
    centroids as (select * from {{ work.centroids }} where k = {{ k }} and step = {{ step }} and moved),
    labelled as ({{ kmeans_assign(work.sample, 'centroids', work.features, k) }}),
    {%- endif %}
    means as (
        select restart, segment, {{ kmeans_each(work.features, exact_avg('exact_{f}') ~ ' as {f}') }}
        from labelled group by restart, segment
    ),
    updated as (
        select
            centroids.restart, centroids.step, centroids.segment, {{ kmeans_each(work.features, 'coalesce(means.{f}, centroids.{f}) as {f}') }},
            case when {{ kmeans_each(work.features, 'means.{f} <> centroids.{f}', ' or ') }} then 1 else 0 end as segment_moved,
            {{ kmeans_each(work.features, 'coalesce((means.{f} - centroids.{f}) * (means.{f} - centroids.{f}), 0)', ' + ') }} as segment_shift
        from centroids left join means on centroids.restart = means.restart and centroids.segment = means.segment
    ),
    restarts as (
        select restart, max(segment_moved) = 1 as changed, {{ kmeans_segment_sum('segment_shift', k) }} as shift
        from updated group by restart
    )
    select
        {{ k }}, updated.restart, updated.step + 1, updated.segment,
        restarts.changed{% if work.sampled %} and restarts.shift > (select tolerance from {{ work.tolerance }}){% endif %},
        {{ kmeans_each(work.features, 'updated.{f}') }}
    from updated inner join restarts on updated.restart = restarts.restart
{%- endmacro %}


{% macro kmeans_refined_sql(work, k) -%}
    {#- The latest centroids of the restart of the fit of k ranked first on the sample: where the
        next refinement step starts, and whether it still moves. -#}
    select centroids.* from {{ work.centroids }} as centroids
    inner join {{ work.ranks }} as best on centroids.restart = best.restart and best.k = {{ k }} and best.restart_rank = 1
    where centroids.k = {{ k }} and centroids.step = (select max(step) from {{ work.centroids }} where k = {{ k }} and restart = best.restart)
{%- endmacro %}


{% macro kmeans_restart_inertias(work, k, matrix, ranked_only) -%}
    {#- CTEs of the last centroids of every restart of the fit of k (of the two best on the sample
        when ranked_only), their segments on matrix (members, inertia, mean distance to the
        centroid) and each restart's inertia, segment sums added in segment order. -#}
    last_steps as (
        select restart, max(step) as step from {{ work.centroids }}
        where k = {{ k }}{% if ranked_only %} and restart in (select restart from {{ work.ranks }} where k = {{ k }}){% endif %}
        group by restart
    ),
    centroids as (
        select centroids.* from {{ work.centroids }} as centroids
        inner join last_steps on centroids.restart = last_steps.restart and centroids.step = last_steps.step
        where centroids.k = {{ k }}
    ),
    labelled as ({{ kmeans_nearest(matrix, 'centroids', work.features, k) }}),
    segments as (
        select
            restart, segment, count(*) as members, {{ exact_sum('squared_distance') }} as inertia,
            {{ exact_avg('sqrt(squared_distance)') }} as spread
        from labelled group by restart, segment
    ),
    restarts as (select restart, {{ kmeans_segment_sum('inertia', k) }} as inertia from segments group by restart)
{%- endmacro %}


{% macro kmeans_rank_sql(work, k) -%}
    {#- The best two restarts of the fit of k on the sample (lowest inertia, ties to the lowest
        restart) into work.ranks: restart_rank 1 is refined on every training customer. -#}
    insert into {{ work.ranks }} (k, restart, restart_rank)
    with {{ kmeans_restart_inertias(work, k, work.sample, false) }},
    best as (select restart, row_number() over (order by inertia, restart) as inertia_rank from restarts)
    select {{ k }}, restart, inertia_rank from best where inertia_rank <= 2
{%- endmacro %}


{% macro kmeans_best_sql(work, k) -%}
    {#- The best two restarts of the fit of k (lowest inertia, ties to the lowest restart; on a
        sampled fit, as ranked on the sample) into work.fits, restart_rank 1 the fit and 2 the
        runner-up (for the stability of the k diagnostics): last centroids, member counts, inertia
        on every training customer (segment sums added in segment order), iterations, and mean
        distance to the centroid per segment (for Davies-Bouldin). -#}
    insert into {{ work.fits }} (k, restart, restart_rank, segment, cluster_size, inertia, n_iter, spread, {{ work.features | join(', ') }})
    with {{ kmeans_restart_inertias(work, k, work.matrix, work.sampled) }},
    best as (
        {%- if work.sampled %}
        select ranks.restart, restarts.inertia, ranks.restart_rank as inertia_rank
        from {{ work.ranks }} as ranks inner join restarts on ranks.restart = restarts.restart
        where ranks.k = {{ k }}
        {%- else %}
        select restart, inertia, row_number() over (order by inertia, restart) as inertia_rank from restarts
        {%- endif %}
    )
    select
        {{ k }}, best.restart, best.inertia_rank, centroids.segment, coalesce(segments.members, 0), best.inertia, last_steps.step, segments.spread,
        {{ kmeans_each(work.features, 'centroids.{f}') }}
    from best
    inner join last_steps on best.restart = last_steps.restart
    inner join centroids on best.restart = centroids.restart
    left join segments on centroids.restart = segments.restart and centroids.segment = segments.segment
    where best.inertia_rank <= 2
{%- endmacro %}


{% macro kmeans_analyze(relation) -%}
    {#- After a work table is written. Postgres plans from statistics, and a new table has none:
        the step's few groups were sorted on disk, as if there were thousands. -#}
    {{- adapter.dispatch('kmeans_analyze', 'bank_segmentation')(relation) -}}
{%- endmacro %}

{% macro default__kmeans_analyze(relation) %}{% endmacro %}

{% macro postgres__kmeans_analyze(relation) %}{% do run_query('analyze ' ~ relation) %}{% endmacro %}


{% macro kmeans_sorting(enabled) -%}
    {#- Around the Lloyd steps: off, then on again. Other engines need nothing. -#}
    {{- adapter.dispatch('kmeans_sorting', 'bank_segmentation')(enabled) -}}
{%- endmacro %}

{% macro default__kmeans_sorting(enabled) %}{% endmacro %}

{% macro postgres__kmeans_sorting(enabled) -%}
    {#- A Lloyd step groups its rows by restart and segment, a few dozen groups Postgres cannot
        estimate: it sorted 500,000 rows (3.1 s) where a hash table takes 2.5 s. The seeding's
        running sums need their sort. For this transaction only (it ends with the model). -#}
    {%- do run_query('set local enable_sort = ' ~ ('on' if enabled else 'off')) -%}
{%- endmacro %}


{% macro kmeans_prepare_select(work) -%}
    {#- Before the model's select reads the work tables. Other engines need nothing. -#}
    {{- adapter.dispatch('kmeans_prepare_select', 'bank_segmentation')(work) -}}
{%- endmacro %}

{% macro default__kmeans_prepare_select(work) %}{% endmacro %}

{% macro postgres__kmeans_prepare_select(work) -%}
    {#- Postgres plans from statistics, and new work tables have none; and it takes the label
        of each silhouette customer, found by a join on the nearest distance, for a couple of
        rows, then repeats the million pair distances once per customer in a nested loop
        (demo, one k: 110 s; with hash joins 10 s). So: statistics, and no nested loop where
        another join exists, for this transaction only (it ends with the model). -#}
    {%- do run_query('analyze ' ~ work.fits) -%}
    {%- do run_query('set local enable_nestloop = off') -%}
{%- endmacro %}
