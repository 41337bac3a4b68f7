{#- Monthly incremental builds: which months a month-grain model must (re)compute, and when
    the stored KMeans model is reused instead of refitted (var refit_model). -#}

{% macro month_incremental_config(unique_key='month_date', pre_hook=none) -%}
    {#- Config of a model incremental on the month: a run replaces whole months (delete+insert on
        unique_key); a change of columns stops the run and asks for --full-refresh. -#}
    {%- set settings = {
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'fail',
    } -%}
    {%- if pre_hook is not none -%}
        {%- do settings.update({'pre_hook': pre_hook}) -%}
    {%- endif -%}
    {{ config(**settings) }}
{%- endmacro %}


{% macro refit_model() -%}
    {#- var refit_model: true or false (default false); strings 'true'/'false' are accepted. -#}
    {%- set raw = var('refit_model', false) -%}
    {%- do raise_var_problems([refit_model_problem(raw)]) -%}
    {{ return(raw if raw is boolean else raw | lower == 'true') }}
{%- endmacro %}


{% macro stored_model_month() -%}
    {#- The latest reference month of the fit registry when this run reuses the stored model:
        not on --full-refresh (the registry starts anew), not with refit_model: true, and not
        before any fit exists; none otherwise. Read without ref(): the registry is downstream. -#}
    {%- if not execute or flags.FULL_REFRESH or refit_model() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set identifier = 'seg_kmeans_fits' if kmeans_engine() == 'python' else 'seg_kmeans_fits_sql' -%}
    {%- set registry = adapter.get_relation(
        database=target.database,
        schema=generate_schema_name('segment_model', none),
        identifier=identifier,
    ) -%}
    {%- if registry is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set latest = run_query("select max(reference_month) from " ~ registry).rows[0][0] -%}
    {{ return(none if latest is none else (latest | string)[:10]) }}
{%- endmacro %}


{% macro stored_fit_is_reusable(registry, matrix) -%}
    {#- SQL engine: true when the registry already holds a fit at the matrix's reference month
        with the same settings and features, and refit_model is false. -#}
    {%- if refit_model() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set features = kmeans_features(matrix) -%}
    {%- set query -%}
        select distinct cast(registry.feature as {{ dbt.type_string() }})
        from {{ registry }} as registry
        where
            registry.reference_month = (select max(matrix.reference_month) from {{ matrix }} as matrix)
            and registry.n_clusters = {{ var_int('n_clusters', 2, 50) }}
            and registry.random_seed = {{ var_int('random_seed', 0, 2147483647) }}
            and registry.n_init = {{ var_int('n_init', 1, 100) }}
            and registry.max_iter = {{ var_int('max_iter', 1, 10000) }}
    {%- endset -%}
    {%- set stored = run_query(query).columns[0].values() | map('lower') | sort | list -%}
    {{ return(stored == features) }}
{%- endmacro %}


{% macro month_watermark(rows_counted=none, column='month_date') -%}
    {#- Last month (column, default month_date) already in this incremental model ('YYYY-MM-DD'),
        or none; rows_counted, a SQL condition, leaves the other rows out. -#}
    {%- set latest = run_query(
        "select max(" ~ column ~ ") from " ~ this ~ (" where " ~ rows_counted if rows_counted else "")
    ).rows[0][0] -%}
    {{ return(none if latest is none else (latest | string)[:10]) }}
{%- endmacro %}


{% macro months_before(month_date, months) -%}
    {#- First day of the month `months` months before the month of month_date ('YYYY-MM-DD'). -#}
    {%- set index = (month_date[:4] | int) * 12 + (month_date[5:7] | int) - 1 - months -%}
    {{ return('%04d-%02d-01' | format(index // 12, index % 12 + 1)) }}
{%- endmacro %}


{% macro model_fingerprint(centroids, params) -%}
    {#- md5 of everything that scoring depends on: the centroids and the standardization. -#}
    {{ return(local_md5((centroids | string) ~ '|' ~ (params | string))) }}
{%- endmacro %}


{% macro history_is_current(history, scored, reference, names) -%}
    {#- True when the stored rows of customer_segment_history still hold: the reference month
        is flagged where it should be, and the latest stored month has the scored table's
        segments and distances (a refit changes them) and the current names. -#}
    {%- set query -%}
        with latest as (
            select max(month_date) as month_date from {{ history }}
        ),

        wrong_flags as (
            select count(*) as rows_wrong
            from {{ history }} as history
            cross join {{ reference }} as reference
            where history.is_reference_month <> (history.month_date = reference.reference_month)
        ),

        wrong_latest as (
            select count(*) as rows_wrong
            from {{ history }} as history
            inner join latest on history.month_date = latest.month_date
            left join {{ scored }} as scored
                on history.customer_id = scored.customer_id and history.month_date = scored.month_date
            left join {{ names }} as names on history.segment_id = names.segment_id
            where
                scored.segment_id is null
                or names.segment_name is null
                or history.segment_id <> scored.segment_id
                or history.distance_to_centroid <> scored.distance_to_centroid
                or history.segment_name <> names.segment_name
        )

        select wrong_flags.rows_wrong + wrong_latest.rows_wrong
        from wrong_flags cross join wrong_latest
    {%- endset -%}
    {{ return(run_query(query).rows[0][0] | int == 0) }}
{%- endmacro %}


{% macro stored_fingerprint(relation) -%}
    {#- The one model_fingerprint of every row of relation, or none (several, none, or a table
        built before the column existed). -#}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if 'model_fingerprint' not in names -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = run_query("select min(model_fingerprint), max(model_fingerprint) from " ~ relation).rows[0] -%}
    {{ return(row[0] if row[0] == row[1] else none) }}
{%- endmacro %}


{% macro stored_lookback_months(relation) -%}
    {#- The lookback_months the stored features were computed with, or none. -#}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if 'lookback_months' not in names -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = run_query("select min(lookback_months), max(lookback_months) from " ~ relation).rows[0] -%}
    {{ return(row[0] | int if row[0] is not none and row[0] == row[1] else none) }}
{%- endmacro %}


{% macro stored_diagnostics_are_reusable(diagnostics, matrix) -%}
    {#- SQL engine: true when refit_model is false and the stored diagnostics hold the matrix's
        reference month for every k of the range that is below the training rows. -#}
    {%- if refit_model() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set n_rows = run_query("select count(*) from " ~ matrix).rows[0][0] | int -%}
    {%- set wanted = [] -%}
    {%- for k in range(var_int('diagnostics_k_min', 2, 50), var_int('diagnostics_k_max', 2, 50) + 1) if k < n_rows -%}
        {%- do wanted.append(k) -%}
    {%- endfor -%}
    {%- set query -%}
        select distinct cast(diagnostics.k as {{ dbt.type_int() }})
        from {{ diagnostics }} as diagnostics
        where diagnostics.reference_month = (select max(matrix.reference_month) from {{ matrix }} as matrix)
    {%- endset -%}
    {%- set stored = run_query(query).columns[0].values() | map('int') | sort | list -%}
    {{ return(stored == wanted) }}
{%- endmacro %}
