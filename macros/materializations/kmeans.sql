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
        {%- for name in ['matrix', 'centroids', 'fits'] %}{% do adapter.drop_relation(kmeans_work(name)) %}{% endfor -%}
    {%- endif -%}
    {{ run_hooks(post_hooks) }}
    {%- do adapter.commit() -%}
    {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmaterialization %}


{% macro kmeans_work_tables(matrix, ks) -%}
    {#- The fit's settings and empty work tables: the matrix numbered in customer_id order with an
        exact decimal copy of each feature (cast once, not at every step), the centroids of every
        step, the best restart of each k. Stops first on a matrix without features or too small. -#}
    {%- set work = {'features': kmeans_features(matrix), 'seed': var_int('random_seed', 0, 2147483647),
        'n_init': var_int('n_init', 1, 100), 'max_iter': var_int('max_iter', 1, 10000),
        'matrix': kmeans_work('matrix'), 'centroids': kmeans_work('centroids'), 'fits': kmeans_work('fits')} -%}
    {%- set n_rows = run_query('select count(*) from ' ~ matrix).rows[0][0] | int -%}
    {%- if n_rows < ks | min or not work.features -%}
        {{ exceptions.raise_compiler_error(model.name ~ ': ' ~ matrix.identifier ~ (
            ' is empty: no active customer at the reference month.' if n_rows == 0
            else ' has no f_ feature to fit on.' if not work.features
            else ': n_clusters=' ~ ks | min ~ ' is more than the ' ~ n_rows ~ ' active customers at the reference month.')) }}
    {%- endif -%}
    {%- set int = 'cast(null as ' ~ dbt.type_int() ~ ') as {f}' -%}
    {%- for name, query in [
        ('matrix', 'select ' ~ kmeans_each(work.features, 'cast(matrix.{f} as numeric(38, 12)) as exact_{f}')
            ~ ', row_number() over (order by matrix.customer_id) - 1 as kmeans_position, matrix.* from ' ~ matrix ~ ' as matrix'),
        ('centroids', 'select ' ~ kmeans_each(['k', 'restart', 'step', 'segment'], int) ~ ', cast(null as boolean) as moved'),
        ('fits', 'select ' ~ kmeans_each(['k', 'restart', 'restart_rank', 'segment', 'cluster_size', 'n_iter'], int) ~ ', '
            ~ kmeans_each(['inertia', 'spread'], 'cast(null as ' ~ type_double() ~ ') as {f}')),
    ] -%}
        {%- do adapter.drop_relation(work[name]) -%}
        {%- set query = query if name == 'matrix' else query ~ ', ' ~ work.features | join(', ') ~ ' from ' ~ work.matrix ~ ' where 1 = 0' -%}
        {%- do run_query(get_create_table_as_sql(False, work[name], query)) -%}
    {%- endfor -%}
    {{ return(work) }}
{%- endmacro %}


{% macro kmeans_fit(work, k) -%}
    {#- One fit of k segments: k-means++ seeding, then Lloyd steps of the restarts still moving until
        none moves or max_iter; its best two restarts go to work.fits. Jinja reads back only how many
        restarts still move. -#}
    {%- for segment in range(k) %}{% do run_query(kmeans_seed_sql(work, k, segment)) %}{% endfor -%}
    {%- set state = namespace(moving=1) -%}
    {%- for step in range(work.max_iter) if state.moving > 0 -%}
        {%- do run_query(kmeans_step_sql(work, k, step)) -%}
        {%- set state.moving = run_query('select count(*) from ' ~ work.centroids ~ ' where k = ' ~ k
            ~ ' and step = ' ~ (step + 1) ~ ' and segment = 0 and moved').rows[0][0] | int -%}
    {%- endfor -%}
    {%- do run_query(kmeans_best_sql(work, k)) -%}
{%- endmacro %}

