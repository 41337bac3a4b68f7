{#- KMeans in SQL, for warehouses where dbt runs no Python models (Postgres).

    Why run_query loops rather than a recursive CTE or PL/pgSQL: every step is one plain,
    read-only SELECT over the training matrix with the current centroids written into it as
    literals, so the same code runs on every adapter, nothing is created or dropped, and each
    step reads the matrix once for all restarts together. A recursive CTE would carry every
    iteration's rows and cannot stop on convergence per restart; PL/pgSQL would be Postgres only.

    Random draws come from md5 in Jinja (local_md5 of seed, restart and step), so they are the
    same on every engine. Centroid means are exact decimal averages, so both engines move the
    centroids identically. A restart has converged when its centroids no longer change, which
    is exactly when its labels no longer change. -#}

{% macro kmeans_uniform(random_seed, restart, step) -%}
    {#- A uniform draw in [0, 1) from (seed, restart, step). -#}
    {{ return((local_md5(random_seed ~ ':' ~ restart ~ ':' ~ step)[:12] | int(base=16)) / 281474976710656.0) }}
{%- endmacro %}


{% macro kmeans_literal(value) -%}
    {#- A double as an exponent literal: read as an exact double by DuckDB, Postgres and
        Snowflake alike, and much lighter for the parser than a cast per term. -#}
    {{- "%.17e" | format(value | float) -}}
{%- endmacro %}


{% macro kmeans_distance_sql(features, center) -%}
    {#- Squared distance from a matrix row to a centroid given as a list of floats. -#}
    {%- for feature in features -%}
        {%- set literal = kmeans_literal(center[loop.index0]) -%}
        {{ " + " if not loop.first }}({{ feature }} - {{ literal }}) * ({{ feature }} - {{ literal }})
    {%- endfor -%}
{%- endmacro %}


{% macro kmeans_rows_to_centers(rows, k, feature_count, previous) -%}
    {#- {restart: [centroid per segment]} from (restart, segment, members, means...) rows;
        a segment without members keeps its previous centroid. -#}
    {%- set moved = {} -%}
    {%- for row in rows -%}
        {%- set means = [] -%}
        {%- for position in range(feature_count) -%}
            {%- do means.append(row[3 + position] | float) -%}
        {%- endfor -%}
        {%- do moved.setdefault(row[0] | int, {}).update({row[1] | int: means}) -%}
    {%- endfor -%}
    {%- set centers = {} -%}
    {%- for restart, old in previous.items() -%}
        {%- set updated = [] -%}
        {%- for segment in range(k) -%}
            {%- do updated.append(moved.get(restart, {}).get(segment, old[segment])) -%}
        {%- endfor -%}
        {%- do centers.update({restart: updated}) -%}
    {%- endfor -%}
    {{ return(centers) }}
{%- endmacro %}


{% macro kmeans_seed_centers(matrix, features, k, random_seed, n_init, n_rows) -%}
    {#- k-means++: the first centre uniformly at random, each next one with probability
        proportional to the squared distance to the nearest centre chosen so far (inverse CDF
        over customers in id order). -#}
    {%- set centers = {} -%}
    {%- set first_pick -%}
        with numbered as (
            select *, row_number() over (order by customer_id) - 1 as position from {{ matrix }}
        ),
        picks as (
            {% for restart in range(n_init) %}
            select {{ restart }} as restart,
                {{ (kmeans_uniform(random_seed, restart, 0) * n_rows) | int }} as position
            {{ "union all" if not loop.last }}
            {% endfor %}
        )
        select picks.restart, {{ features | join(', ') }}
        from picks inner join numbered on picks.position = numbered.position
        order by picks.restart
    {%- endset -%}
    {%- for row in run_query(first_pick).rows -%}
        {%- set center = [] -%}
        {%- for position in range(features | length) -%}
            {%- do center.append(row[1 + position] | float) -%}
        {%- endfor -%}
        {%- do centers.update({row[0] | int: [center]}) -%}
    {%- endfor -%}
    {%- for step in range(1, k) -%}
        {%- set next_pick -%}
            with distances as (
                {% for restart in range(n_init) %}
                select {{ restart }} as restart, customer_id,
                    least({% for center in centers[restart] %}{{ "," if not loop.first }}({{ kmeans_distance_sql(features, center) }}){% endfor %}) as squared_distance
                from {{ matrix }}
                {{ "union all" if not loop.last }}
                {% endfor %}
            ),
            cumulative as (
                select restart, customer_id,
                    sum(squared_distance) over (partition by restart order by customer_id rows between unbounded preceding and current row) as running,
                    sum(squared_distance) over (partition by restart) as total
                from distances
            ),
            draws as (
                {% for restart in range(n_init) %}
                select {{ restart }} as restart, {{ kmeans_literal(kmeans_uniform(random_seed, restart, step)) }} as draw
                {{ "union all" if not loop.last }}
                {% endfor %}
            ),
            picked as (
                select cumulative.restart, min(cumulative.customer_id) as customer_id
                from cumulative inner join draws on cumulative.restart = draws.restart
                where cumulative.running >= draws.draw * cumulative.total
                group by cumulative.restart
            )
            select picked.restart, {% for feature in features %}matrix.{{ feature }}{{ ", " if not loop.last }}{% endfor %}
            from picked inner join {{ matrix }} as matrix on picked.customer_id = matrix.customer_id
            order by picked.restart
        {%- endset -%}
        {%- for row in run_query(next_pick).rows -%}
            {%- set center = [] -%}
            {%- for position in range(features | length) -%}
                {%- do center.append(row[1 + position] | float) -%}
            {%- endfor -%}
            {%- do centers[row[0] | int].append(center) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(centers) }}
{%- endmacro %}


{% macro kmeans_assign_sql(matrix, features, centers_by_restart) -%}
    {#- One row per restart and customer: its nearest centroid (ties to the lowest index) and
        the squared distance to it. Each distance is computed once, in the innermost select. -#}
    {% for restart, centers in centers_by_restart | dictsort %}
    select
        {{ restart }} as restart,
        customer_id,
        case
            {%- for center in centers %}
            when distance_{{ loop.index0 }} = nearest then {{ loop.index0 }}
            {%- endfor %}
        end as segment,
        nearest as squared_distance
    from (
        select
            distances.*,
            least({% for center in centers %}{{ ", " if not loop.first }}distance_{{ loop.index0 }}{% endfor %}) as nearest
        from (
            select
                {%- for center in centers %}
                {{ kmeans_distance_sql(features, center) }} as distance_{{ loop.index0 }},
                {%- endfor %}
                customer_id
            from {{ matrix }}
        ) as distances
    ) as nearest_{{ restart }}
    {{ "union all" if not loop.last }}
    {% endfor %}
{%- endmacro %}


{% macro sql_kmeans(matrix, features, k, random_seed, n_init, max_iter) -%}
    {#- Fits KMeans on the f_ columns of matrix; returns the best restart's centroids, member
        counts, inertia and iterations. -#}
    {%- do adapter.dispatch('kmeans_session_setup', 'bank_segmentation')() -%}
    {%- set n_rows = run_query("select count(*) from " ~ matrix).rows[0][0] | int -%}
    {%- if n_rows == 0 -%}
        {{ exceptions.raise_compiler_error("seg_training_matrix is empty: no active customer at the reference month.") }}
    {%- endif -%}
    {%- if n_rows < k -%}
        {{ exceptions.raise_compiler_error("n_clusters=" ~ k ~ " is more than the " ~ n_rows ~ " active customers at the reference month.") }}
    {%- endif -%}
    {%- set state = namespace(
        centers=kmeans_seed_centers(matrix, features, k, random_seed, n_init, n_rows),
        active=range(n_init) | list,
        iterations={},
    ) -%}
    {%- for iteration in range(1, max_iter + 1) if state.active -%}
        {%- set active_centers = {} -%}
        {%- for restart in state.active -%}
            {%- do active_centers.update({restart: state.centers[restart]}) -%}
        {%- endfor -%}
        {%- set update -%}
            with labelled as ({{ kmeans_assign_sql(matrix, features, active_centers) }})
            select labelled.restart, labelled.segment, count(*) as members
                {%- for feature in features %}, {{ exact_avg('matrix.' ~ feature) }}{% endfor %}
            from labelled inner join {{ matrix }} as matrix on labelled.customer_id = matrix.customer_id
            group by labelled.restart, labelled.segment
            order by labelled.restart, labelled.segment
        {%- endset -%}
        {%- set moved = kmeans_rows_to_centers(run_query(update).rows, k, features | length, active_centers) -%}
        {%- set still_active = [] -%}
        {%- for restart in state.active -%}
            {%- if moved[restart] != state.centers[restart] -%}
                {%- do still_active.append(restart) -%}
            {%- endif -%}
            {%- do state.iterations.update({restart: iteration}) -%}
            {%- do state.centers.update({restart: moved[restart]}) -%}
        {%- endfor -%}
        {%- set state.active = still_active -%}
    {%- endfor -%}
    {%- set scores -%}
        with labelled as ({{ kmeans_assign_sql(matrix, features, state.centers) }})
        select restart, segment, count(*) as members, {{ exact_sum('squared_distance') }} as inertia
        from labelled
        group by restart, segment
        order by restart, segment
    {%- endset -%}
    {%- set inertia = {} -%}
    {%- set members = {} -%}
    {%- for row in run_query(scores).rows -%}
        {%- do inertia.update({row[0] | int: inertia.get(row[0] | int, 0) + (row[3] | float)}) -%}
        {%- do members.setdefault(row[0] | int, {}).update({row[1] | int: row[2] | int}) -%}
    {%- endfor -%}
    {%- set best = (inertia.items() | sort(attribute='1'))[0][0] -%}
    {%- set sizes = [] -%}
    {%- for segment in range(k) -%}
        {%- do sizes.append(members[best].get(segment, 0)) -%}
    {%- endfor -%}
    {{ return({
        'centers': state.centers[best],
        'members': sizes,
        'inertia': inertia[best],
        'n_iter': state.iterations[best],
        'n_rows': n_rows,
    }) }}
{%- endmacro %}


{% macro kmeans_initial_ids(centers, sizes) -%}
    {#- First fit: segment 1 is the largest cluster; ties by centroid values (as the Python engine). -#}
    {%- set order = [] -%}
    {%- for index in range(centers | length) -%}
        {%- do order.append({'index': index, 'size': -sizes[index], 'center': centers[index]}) -%}
    {%- endfor -%}
    {%- set ids = {} -%}
    {%- for item in order | sort(attribute='size,center') -%}
        {%- do ids.update({item.index: loop.index}) -%}
    {%- endfor -%}
    {{ return(ids) }}
{%- endmacro %}


{% macro kmeans_stable_ids(centers, sizes, features, previous_rows) -%}
    {#- {cluster index: segment id}. Matched one-to-one to the previous fit's centroids by
        minimum total distance over the shared features: exhaustively up to 8 segments, by
        ascending distance (greedy) beyond; unmatched clusters get fresh ids. -#}
    {%- set initial = kmeans_initial_ids(centers, sizes) -%}
    {%- set previous = {} -%}
    {%- for row in previous_rows -%}
        {%- do previous.setdefault(row[0] | int, {}).update({row[1]: row[2] | float}) -%}
    {%- endfor -%}
    {%- if not previous -%}
        {{ return(initial) }}
    {%- endif -%}
    {%- set previous_ids = previous.keys() | sort -%}
    {%- set costs = {} -%}
    {%- for index in range(centers | length) -%}
        {%- for segment_id in previous_ids -%}
            {%- set total = namespace(value=0.0) -%}
            {%- for feature in features if feature in previous[segment_id] -%}
                {%- set total.value = total.value + (centers[index][features.index(feature)] - previous[segment_id][feature]) ** 2 -%}
            {%- endfor -%}
            {%- do costs.update({(index, segment_id): total.value ** 0.5}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set ids = {} -%}
    {%- if centers | length == previous_ids | length and previous_ids | length <= 8 -%}
        {%- set best = namespace(total=none, permutation=none) -%}
        {%- for permutation in modules.itertools.permutations(previous_ids) -%}
            {%- set total = namespace(value=0.0) -%}
            {%- for index in range(centers | length) -%}
                {%- set total.value = total.value + costs[(index, permutation[index])] -%}
            {%- endfor -%}
            {%- if best.total is none or total.value < best.total -%}
                {%- set best.total = total.value -%}
                {%- set best.permutation = permutation -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for index in range(centers | length) -%}
            {%- do ids.update({index: best.permutation[index]}) -%}
        {%- endfor -%}
    {%- else -%}
        {%- set pairs = [] -%}
        {%- for key, cost in costs.items() -%}
            {%- do pairs.append({'cost': cost, 'index': key[0], 'segment_id': key[1]}) -%}
        {%- endfor -%}
        {%- set taken = [] -%}
        {%- for pair in pairs | sort(attribute='cost,index,segment_id') -%}
            {%- if pair.index not in ids and pair.segment_id not in taken -%}
                {%- do ids.update({pair.index: pair.segment_id}) -%}
                {%- do taken.append(pair.segment_id) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set next_id = namespace(value=(previous_ids | max) + 1) -%}
    {%- for index, rank in initial.items() | sort(attribute='1') if index not in ids -%}
        {%- do ids.update({index: next_id.value}) -%}
        {%- set next_id.value = next_id.value + 1 -%}
    {%- endfor -%}
    {{ return(ids) }}
{%- endmacro %}


{% macro sql_kmeans_registry_rows(matrix, registry) -%}
    {#- The registry rows of this fit (as the Python engine writes them): one per segment and
        feature, with the fit's summary. registry is the existing table, or none. -#}
    {%- set features = kmeans_features(matrix) -%}
    {%- set reference_month = run_query("select max(cast(reference_month as " ~ dbt.type_string() ~ ")) from " ~ matrix).rows[0][0] -%}
    {%- set k = var_int('n_clusters', 2, 50) -%}
    {%- set random_seed = var_int('random_seed', 0, 2147483647) -%}
    {%- set n_init = var_int('n_init', 1, 100) -%}
    {%- set max_iter = var_int('max_iter', 1, 10000) -%}
    {%- set fit = sql_kmeans(matrix, features, k, random_seed, n_init, max_iter) -%}
    {%- set previous_rows = [] -%}
    {%- set fit_number = namespace(value=1) -%}
    {%- if registry is not none -%}
        {%- set history = run_query(
            "select fit_number, cast(reference_month as " ~ dbt.type_string() ~ "), segment_id, feature, centroid from " ~ registry
            ~ " order by fit_number, segment_id, feature"
        ).rows -%}
        {%- set earlier = history | rejectattr('1', 'equalto', reference_month) | list -%}
        {%- set same_month = history | selectattr('1', 'equalto', reference_month) | list -%}
        {%- if same_month -%}
            {%- set fit_number.value = same_month[0][0] | int -%}
        {%- elif history -%}
            {%- set fit_number.value = (history | map(attribute='0') | map('int') | max) + 1 -%}
        {%- endif -%}
        {%- if earlier -%}
            {%- set latest = earlier | map(attribute='0') | map('int') | max -%}
            {%- for row in earlier if row[0] | int == latest -%}
                {%- do previous_rows.append([row[2], row[3], row[4]]) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- set ids = kmeans_stable_ids(fit.centers, fit.members, features, previous_rows) -%}
    {%- set rows = [] -%}
    {%- for index in range(k) -%}
        {%- for feature in features -%}
            {%- do rows.append({
                'fit_number': fit_number.value, 'reference_month': reference_month[:10], 'segment_id': ids[index],
                'feature': feature, 'centroid': fit.centers[index][loop.index0], 'cluster_size': fit.members[index],
                'n_clusters': k, 'random_seed': random_seed, 'n_init': n_init,
                'max_iter': max_iter, 'training_rows': fit.n_rows, 'inertia': fit.inertia,
                'n_iter': fit.n_iter,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(rows | sort(attribute='segment_id,feature')) }}
{%- endmacro %}


{% macro kmeans_features(matrix) -%}
    {%- set features = [] -%}
    {%- for column in adapter.get_columns_in_relation(matrix) if (column.name | lower).startswith('f_') -%}
        {%- do features.append(column.name | lower) -%}
    {%- endfor -%}
    {{ return(features | sort) }}
{%- endmacro %}


{% macro sql_k_diagnostics_rows(matrix) -%}
    {#- For each k of the diagnostics range: the SQL engine's fit, its inertia, Davies-Bouldin and
        Calinski-Harabasz, and the silhouette on a sample of customers chosen by md5 of id and seed. -#}
    {%- set features = kmeans_features(matrix) -%}
    {%- set seed = var_int('random_seed', 0, 2147483647) -%}
    {%- set reference_month = run_query("select max(cast(reference_month as " ~ dbt.type_string() ~ ")) from " ~ matrix).rows[0][0] -%}
    {%- set rows = [] -%}
    {%- set n_init = var_int('n_init', 1, 100) -%}
    {%- set max_iter = var_int('max_iter', 1, 10000) -%}
    {%- set silhouette_sample = var_int('silhouette_sample', 100, 1000000) -%}
    {%- set k_min = var_int('diagnostics_k_min', 2, 50) -%}
    {%- for k in range(k_min, var_int('diagnostics_k_max', k_min, 50) + 1) -%}
        {%- set fit = sql_kmeans(matrix, features, k, seed, n_init, max_iter) -%}
        {%- if k < fit.n_rows -%}
            {%- set spread_query -%}
                with labelled as ({{ kmeans_assign_sql(matrix, features, {0: fit.centers}) }})
                select segment, {{ exact_avg('sqrt(squared_distance)') }} from labelled group by segment order by segment
            {%- endset -%}
            {%- set spread = {} -%}
            {%- for row in run_query(spread_query).rows -%}
                {%- do spread.update({row[0] | int: row[1] | float}) -%}
            {%- endfor -%}
            {%- set overall = [] -%}
            {%- for position in range(features | length) -%}
                {%- set total = namespace(value=0.0) -%}
                {%- for index in range(k) -%}
                    {%- set total.value = total.value + fit.members[index] * fit.centers[index][position] -%}
                {%- endfor -%}
                {%- do overall.append(total.value / fit.n_rows) -%}
            {%- endfor -%}
            {%- set between = namespace(value=0.0) -%}
            {%- set davies = namespace(value=0.0) -%}
            {%- for i in range(k) -%}
                {%- set squared = namespace(value=0.0) -%}
                {%- for position in range(features | length) -%}
                    {%- set squared.value = squared.value + (fit.centers[i][position] - overall[position]) ** 2 -%}
                {%- endfor -%}
                {%- set between.value = between.value + fit.members[i] * squared.value -%}
                {%- set worst = namespace(value=0.0) -%}
                {%- for j in range(k) if j != i -%}
                    {%- set apart = namespace(value=0.0) -%}
                    {%- for position in range(features | length) -%}
                        {%- set apart.value = apart.value + (fit.centers[i][position] - fit.centers[j][position]) ** 2 -%}
                    {%- endfor -%}
                    {%- if apart.value > 0 -%}
                        {%- set ratio = (spread.get(i, 0) + spread.get(j, 0)) / (apart.value ** 0.5) -%}
                        {%- set worst.value = [worst.value, ratio] | max -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- set davies.value = davies.value + worst.value -%}
            {%- endfor -%}
            {%- set sample_size = [silhouette_sample, fit.n_rows] | min -%}
            {%- set silhouette_query -%}
                with ordered as (
                    select *, row_number() over (order by md5(cast(customer_id as {{ dbt.type_string() }}) || ':{{ seed }}'), customer_id) as draw
                    from {{ matrix }}
                ),
                sampled as (select * from ordered where draw <= {{ sample_size }}),
                labelled as (
                    select sampled.*, assigned.segment
                    from sampled
                    inner join ({{ kmeans_assign_sql('sampled', features, {0: fit.centers}) }}) as assigned
                        on sampled.customer_id = assigned.customer_id
                ),
                pairs as (
                    select a.customer_id, a.segment as own_segment, b.segment as other_segment,
                        sqrt({% for feature in features %}{{ " + " if not loop.first }}(a.{{ feature }} - b.{{ feature }}) * (a.{{ feature }} - b.{{ feature }}){% endfor %}) as distance
                    from labelled as a inner join labelled as b on a.customer_id <> b.customer_id
                ),
                mean_distances as (
                    select customer_id, own_segment, other_segment, avg(distance) as mean_distance
                    from pairs group by customer_id, own_segment, other_segment
                ),
                per_customer as (
                    select customer_id,
                        max(case when own_segment = other_segment then mean_distance end) as within,
                        min(case when own_segment <> other_segment then mean_distance end) as nearest_other
                    from mean_distances group by customer_id
                )
                select {{ exact_avg('case when within is null then 0 else (nearest_other - within) / greatest(within, nearest_other) end') }}
                from per_customer
            {%- endset -%}
            {%- do rows.append({
                'k': k, 'inertia': fit.inertia,
                'silhouette': run_query(silhouette_query).rows[0][0] | float,
                'davies_bouldin': davies.value / k,
                'calinski_harabasz': (between.value / (k - 1)) / (fit.inertia / (fit.n_rows - k)),
                'silhouette_sample_size': sample_size, 'fitted_customers': fit.n_rows,
                'reference_month': reference_month[:10],
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}


{% macro default__kmeans_session_setup() -%}
{%- endmacro %}


{% macro postgres__kmeans_session_setup() -%}
    {#- Each query here is large, cheap and run once: compiling it with JIT costs seconds and
        saves nothing, so JIT is off for this session. -#}
    {%- do run_query('set jit = off') -%}
{%- endmacro %}
