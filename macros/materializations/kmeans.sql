{#- The kmeans materialization: the SQL KMeans engine (kmeans_engine = 'sql'). It fits config
    kmeans_matrix (customer_id and f_ columns) once per k of config kmeans_k into work tables, then
    writes the model's select, which turns kmeans_work('fits') into rows. Stored rows carrying the
    fit_key of config fit_inputs are kept unless refit_model; else the rows of the reference month
    are replaced and other months kept. Statements: macros/kmeans.sql. -#}

{% materialization kmeans, default %}
    {%- set existing = load_cached_relation(this) -%}
    {%- if existing is not none and should_full_refresh() -%}
        {%- do adapter.drop_relation(existing) -%}
        {%- set existing = none -%}
    {%- endif -%}
    {%- set inputs = ref(config.require('fit_inputs')) -%}
    {{ run_hooks(pre_hooks) }}
    {%- set stored = namespace(rows=0) -%}
    {%- if existing is not none -%}
        {%- if 'fit_key' not in adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') -%}
            {%- do alter_relation_add_remove_columns(existing, [api.Column('fit_key', dbt.type_string())], none) -%}
        {%- endif -%}
        {%- call statement('main', fetch_result=True) -%}
            select count(*) from {{ existing }} where fit_key in (select fit_key from {{ inputs }})
        {%- endcall -%}
        {%- set stored.rows = 0 if refit_model() else load_result('main').table.rows[0][0] | int -%}
    {%- endif -%}
    {%- if stored.rows == 0 -%}
        {%- set work = kmeans_work_tables(ref(config.require('kmeans_matrix')), config.require('kmeans_k')) -%}
        {%- do kmeans_seed(work) -%}
        {%- for k in config.require('kmeans_k') %}{% do kmeans_fit(work, k) %}{% endfor -%}
        {%- do kmeans_prepare_select(work) -%}
        {%- if existing is not none -%}
            {%- do run_query('delete from ' ~ existing ~ ' where reference_month in (select reference_month from ' ~ inputs ~ ')') -%}
            {%- set columns = adapter.get_columns_in_relation(existing) | map(attribute='name') | join(', ') -%}
        {%- endif -%}
        {%- call statement('main') -%}
            {%- if existing is none -%}{{ get_create_table_as_sql(False, this.incorporate(type='table'), sql) }}
            {%- else -%}insert into {{ existing }} ({{ columns }}) select {{ columns }} from ({{ sql }}) as fitted{%- endif -%}
        {%- endcall -%}
        {%- for name in work.tables %}{% do adapter.drop_relation(work[name]) %}{% endfor -%}
    {%- endif -%}
    {{ run_hooks(post_hooks) }}
    {%- do adapter.commit() -%}
    {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmaterialization %}


{% macro kmeans_work_tables(matrix, ks) -%}
    {#- The fit's settings and empty work tables: the matrix with an exact decimal copy of each
        feature (cast once, not at every step); the centroids of every step; the best restarts of
        each k. Above kmeans_sample training customers, also the sample the seeding and restarts
        run on (the first kmeans_sample by md5 of id and seed), their ranking, and the
        refinement's tolerance: 1e-4 (scikit-learn's tol) times the mean variance of the
        features. Customers are numbered in customer_id order in the matrix the restarts run on.
        Stops first on a matrix without features or too small. -#}
    {%- set work = {'features': kmeans_features(matrix), 'seed': var_int('random_seed', 0, 2147483647),
        'n_init': var_int('n_init', 1, 100), 'max_iter': var_int('max_iter', 1, 10000),
        'sample_size': var_int('kmeans_sample', 100, 1000000000),
        'matrix': kmeans_work('matrix'), 'centroids': kmeans_work('centroids'), 'fits': kmeans_work('fits'),
        'ranks': kmeans_work('ranks'), 'tolerance': kmeans_work('tolerance'), 'seeded_k': ks | max} -%}
    {%- set n_rows = run_query('select count(*) from ' ~ matrix).rows[0][0] | int -%}
    {%- if n_rows < ks | min or not work.features -%}
        {{ exceptions.raise_compiler_error(model.name ~ ': ' ~ matrix.identifier ~ (
            ' is empty: no active customer at the reference month.' if n_rows == 0
            else ' has no f_ feature to fit on.' if not work.features
            else ': n_clusters=' ~ ks | min ~ ' is more than the ' ~ n_rows ~ ' active customers at the reference month.')) }}
    {%- endif -%}
    {#- Jinja learns only whether to sample, never a value for the SQL. -#}
    {%- do work.update({'sampled': n_rows > work.sample_size}) -%}
    {%- do work.update({'sample': kmeans_work('sample') if work.sampled else work.matrix}) -%}
    {%- set exact = kmeans_each(work.features, 'cast(matrix.{f} as numeric(38, 12)) as exact_{f}') -%}
    {%- set numbered = ', row_number() over (order by matrix.customer_id) - 1 as kmeans_position' -%}
    {%- set int = 'cast(null as ' ~ dbt.type_int() ~ ') as {f}' -%}
    {%- set tables = [
        ('matrix', 'select ' ~ exact ~ (numbered if not work.sampled else '') ~ ', matrix.* from ' ~ matrix ~ ' as matrix'),
        ('centroids', 'select ' ~ kmeans_each(['k', 'restart', 'step', 'segment'], int) ~ ', cast(null as boolean) as moved, '
            ~ work.features | join(', ') ~ ' from ' ~ work.matrix ~ ' where 1 = 0'),
        ('fits', 'select ' ~ kmeans_each(['k', 'restart', 'restart_rank', 'segment', 'cluster_size', 'n_iter'], int) ~ ', '
            ~ kmeans_each(['inertia', 'spread'], 'cast(null as ' ~ type_double() ~ ') as {f}') ~ ', '
            ~ work.features | join(', ') ~ ' from ' ~ work.matrix ~ ' where 1 = 0'),
    ] -%}
    {%- if work.sampled -%}
        {%- set draw = "md5(cast(matrix.customer_id as " ~ dbt.type_string() ~ ") || ':" ~ work.seed ~ "'), matrix.customer_id" -%}
        {%- set variance = kmeans_each(work.features, exact_avg('{f} * {f}') ~ ' - ' ~ exact_avg('{f}') ~ ' * ' ~ exact_avg('{f}'), ' + ') -%}
        {%- do tables.extend([
            ('sample', 'select matrix.*' ~ numbered ~ ' from (select * from ' ~ work.matrix ~ ' as matrix order by '
                ~ draw ~ ' limit ' ~ work.sample_size ~ ') as matrix'),
            ('ranks', 'select ' ~ kmeans_each(['k', 'restart', 'restart_rank'], int) ~ ' from ' ~ work.matrix ~ ' where 1 = 0'),
            ('tolerance', 'select 0.0001 * (' ~ variance ~ ') / ' ~ work.features | length ~ ' as tolerance from ' ~ work.matrix),
        ]) -%}
    {%- endif -%}
    {%- do work.update({'tables': tables | map(attribute=0) | list}) -%}
    {%- for name, query in tables -%}
        {%- do adapter.drop_relation(work[name]) -%}
        {%- do run_query(get_create_table_as_sql(False, work[name], query)) -%}
        {%- if name in ['matrix', 'sample'] %}{% do kmeans_analyze(work[name]) %}{% endif -%}
    {%- endfor -%}
    {{ return(work) }}
{%- endmacro %}


{% macro kmeans_seed(work) -%}
    {#- k-means++ seeding of every restart for the largest k, once for all k: each pick depends
        only on the picks before it and its own draw (seed, restart, segment), never on k, so
        the first k centres seeded for the largest k are those a seeding of k alone picks (k
        diagnostics 2-10: 10 statements, not 54). -#}
    {%- for segment in range(work.seeded_k) %}{% do run_query(kmeans_seed_sql(work, work.seeded_k, segment)) %}{% endfor -%}
{%- endmacro %}


{% macro kmeans_fit(work, k) -%}
    {#- One fit of k segments: its k-means++ seeds (kmeans_seed), then Lloyd steps of the
        restarts still moving until none moves or max_iter, on the sample; on a sampled fit, the best restart is then refined
        on every training customer until it stops moving or max_iter, as MADlib and Spark seed on
        a sample. Its best two restarts go to work.fits. Jinja reads back only how many restarts
        still move. -#}
    {%- if k != work.seeded_k %}{% do run_query(kmeans_seeds_of_sql(work, k)) %}{% endif -%}
    {%- do kmeans_sorting(false) -%}
    {%- set state = namespace(moving=1) -%}
    {%- for step in range(work.max_iter) if state.moving > 0 -%}
        {%- do run_query(kmeans_step_sql(work, k, step)) -%}
        {%- set state.moving = run_query('select count(*) from ' ~ work.centroids ~ ' where k = ' ~ k
            ~ ' and step = ' ~ (step + 1) ~ ' and segment = 0 and moved').rows[0][0] | int -%}
    {%- endfor -%}
    {%- if work.sampled -%}
        {%- do run_query(kmeans_rank_sql(work, k)) -%}
        {%- set state.moving = 1 -%}
        {%- for step in range(work.max_iter) if state.moving > 0 -%}
            {%- do run_query(kmeans_step_sql(work, k, none)) -%}
            {%- set state.moving = run_query('select count(*) from (' ~ kmeans_refined_sql(work, k)
                ~ ') as refined where segment = 0 and moved').rows[0][0] | int -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do kmeans_sorting(true) -%}
    {%- do run_query(kmeans_best_sql(work, k)) -%}
{%- endmacro %}
