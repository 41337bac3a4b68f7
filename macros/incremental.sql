{#- Monthly incremental builds. A month-grain model replaces whole months (delete+insert on the
    month): each run computes the months after the last one it stores, and again the last
    reprocess_months of those it stores, so that a restated month is rebuilt. The filter is
    written in each model; these macros only spell out the config and the boundary. -#}

{% macro month_incremental_config(unique_key='month_date', pre_hook=[], post_hook=[]) -%}
    {#- Config of a model incremental on the month: a run replaces whole months (delete+insert on
        unique_key); a change of columns stops the run and asks for --full-refresh. -#}
    {{ config(
        materialized='incremental', incremental_strategy='delete+insert', unique_key=unique_key,
        on_schema_change='fail', pre_hook=pre_hook, post_hook=post_hook,
    ) }}
{%- endmacro %}


{% macro delete_removed_customers(roster) -%}
    {#- Post-hook of a month-grain model: after an incremental run, the stored months of a
        customer that is no longer clean in roster (base_bank__customer_roster) go too, as a
        full build would have them. -#}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where customer_id in (select customer_id from {{ roster }} where standing <> 'clean')
    {%- endif -%}
{%- endmacro %}


{% macro delete_unmatched_moves(transitions) -%}
    {#- Pre-hook of segment_transition_drivers: on an incremental run, its stored moves that are
        no longer a move of transitions between two segments of at least
        transition_driver_min_customers customers (same months, segments, labels and count) go,
        since a month left without such moves writes no row that would replace them. -#}
    {%- if is_incremental() -%}
        {%- set columns = ['from_month', 'to_month', 'from_segment_id', 'to_segment_id', 'from_label', 'to_label', 'customers'] -%}
        delete from {{ this }}
        where {{ row_hash(columns) }} not in (
            select {{ row_hash(columns) }}
            from {{ transitions }}
            where from_segment_id != to_segment_id and customers >= {{ var_int('transition_driver_min_customers', 1, 1000000) }}
        )
    {%- endif -%}
{%- endmacro %}


{% macro reprocess_after(relation, rows_counted='1 = 1', column='month_date') -%}
    {#- SQL for the month after which an incremental run recomputes (where month_date > reprocess_after(this)):
        the last reprocess_months months stored in relation are recomputed with the new ones (0: new months
        only); rows_counted leaves stored rows out of the boundary. When relation holds no row, every month. -#}
    {%- set months = var_int('reprocess_months', 0, 120) -%}
    coalesce(
        (select {{ month_end(dbt.dateadd('month', -months, 'max(' ~ column ~ ')')) }} from {{ relation }} where {{ rows_counted }}),
        cast('1900-01-01' as date)
    )
{%- endmacro %}


{% macro changed_months(new_rows, columns) -%}
    {#- SQL listing the months of new_rows (a CTE of this run's rows) whose rows differ from those stored in
        this (row count or sum of row_hash(columns)): a model that reads its last months again writes a
        month again only when it changed (a restatement), so the models downstream recompute only that. -#}
    select new_months.month_date
    from (
        select month_date, count(*) as row_count, sum({{ row_hash(columns) }}) as hash_sum
        from {{ new_rows }}
        group by month_date
    ) as new_months
    left join (
        select month_date, count(*) as row_count, sum({{ row_hash(columns) }}) as hash_sum
        from {{ this }}
        where month_date in (select month_date from {{ new_rows }})
        group by month_date
    ) as stored_months on new_months.month_date = stored_months.month_date
    where
        stored_months.row_count is distinct from new_months.row_count
        or stored_months.hash_sum is distinct from new_months.hash_sum
{%- endmacro %}


{% macro last_built_at(relation, rows_counted='1 = 1') -%}
    {#- SQL for the last built_at of relation (rows_counted leaves stored rows out), a date before every month
        when it holds no row: a model downstream of month-grain tables recomputes the months written after it. -#}
    coalesce((select max(built_at) from {{ relation }} where {{ rows_counted }}), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
{%- endmacro %}


{% macro this_run_started_at() -%}
    {#- The start of this dbt invocation as a timestamp: month-grain tables store it on every row
        they write (built_at), so a data test can read only the rows of this run. -#}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{% macro built_by_this_run() -%}
    {#- SQL condition on a month-grain table: under dbt run, build or retry the rows this
        invocation wrote (built_at); under dbt test, which writes nothing, every row. Adding a
        month then tests one month, and every month is tested by the build that wrote it. -#}
    {{ return('built_at = ' ~ this_run_started_at() if flags.WHICH in ['run', 'build', 'retry'] else '1 = 1') }}
{%- endmacro %}


{% macro get_where_subquery(relation) -%}
    {#- dbt's own, plus the placeholder __built_by_this_run__ in a test's where config (dbt's
        documented way to template it): built_by_this_run(). -#}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where | replace('__built_by_this_run__', built_by_this_run()) }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{% macro refit_model() -%}
    {#- var refit_model: true or false (default false). -#}
    {{ return(var_flag('refit_model')) }}
{%- endmacro %}


{% macro reference_month_config(post_hook=[]) -%}
    {#- Config of a model of the reference month only, computed again only when what it is
        computed from changed: the inputs key of seg_reference_inputs with an md5 of the model's
        own SQL. A run whose key is the one stored in seg_reference_keys writes nothing (the
        select's where clause, reference_inputs_changed); on another key the pre-hook empties the
        table, the select writes it anew, and the post-hook stores the key. Use with
        reference_inputs_changed() after the model's final select. -#}
    {{ config(
        materialized='incremental', incremental_strategy='append', on_schema_change='fail',
        pre_hook=["{% if is_incremental() %}delete from {{ this }} where {{ reference_inputs_changed_condition() }}{% endif %}"],
        post_hook=["{{ store_reference_key('delete') }}", "{{ store_reference_key('insert') }}"] + post_hook,
    ) }}
{%- endmacro %}


{% macro reference_key() -%}
    {#- The inputs key of this model: seg_reference_inputs', an md5 of the model's SQL (a change of
        its code computes it again) and the vars these models read that fit_key does not cover. -#}
    {%- set settings = 'borderline_margin=' ~ var_share('borderline_margin') -%}
    (select md5(inputs_key || '|{{ local_md5(model.raw_code) }}|{{ settings }}') from {{ ref('seg_reference_inputs') }})
{%- endmacro %}


{% macro reference_inputs_changed_condition() -%}
    not exists (
        select 1 from {{ ref('seg_reference_keys') }} as stored
        where stored.model_name = '{{ this.identifier }}' and stored.inputs_key = {{ reference_key() }}
    )
{%- endmacro %}


{% macro reference_inputs_changed() -%}
    {#- After the final select of a reference-month model: on an incremental run, its rows only
        when its inputs key changed (Postgres then skips the whole query: a one-time filter). -#}
    {%- if is_incremental() %}
-- computed again only when its inputs changed (reference_month_config)
where {{ reference_inputs_changed_condition() }}
    {%- endif -%}
{%- endmacro %}


{% macro store_reference_key(step) -%}
    {#- Post-hooks of a reference-month model: the key of the inputs its rows were computed from. -#}
    {{ replace_registry_row(ref('seg_reference_keys'), 'inputs_key', reference_key(), step) }}
{%- endmacro %}


{% macro replace_registry_row(registry, column, value, step) -%}
    {#- This model's row of a registry (model_name and one column), as two hooks, one statement
        each (Snowflake runs one per call): step 'delete' its stored row, then 'insert' value. -#}
    {#- The table itself: under dbt run --empty a ref renders as an empty subquery. -#}
    {%- set table = api.Relation.create(database=registry.database, schema=registry.schema, identifier=registry.identifier) -%}
    {%- if step == 'delete' -%}
        delete from {{ table }} where model_name = '{{ this.identifier }}'
    {%- else -%}
        insert into {{ table }} (model_name, {{ column }})
        select '{{ this.identifier }}', {{ value }}
    {%- endif -%}
{%- endmacro %}


{% macro history_build_hooks() -%}
    {#- Post-hooks of a mart over history, one statement each: the start of this run becomes
        its last build in seg_history_builds. -#}
    {{ return(["{{ store_history_build('delete') }}", "{{ store_history_build('insert') }}"]) }}
{%- endmacro %}


{% macro store_history_build(step) -%}
    {{ replace_registry_row(ref('seg_history_builds'), 'built_at', this_run_started_at(), step) }}
{%- endmacro %}


{% macro scored_since_last_build() -%}
    {#- CTE body of a mart over history: the first month the scoring wrote after the mart's last
        build (seg_history_builds; every month when it has none), 9999-12-31 when there is none. -#}
    select coalesce(min(month_date), cast('9999-12-31' as date)) as first_month
    from {{ ref('seg_customer_month_segments') }}
    where built_at > {{ last_history_build() }}
{%- endmacro %}


{% macro last_history_build() -%}
    {#- When this mart over history was last built (seg_history_builds), else long ago. -#}
    (
        select coalesce(max(built_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ ref('seg_history_builds') }}
        where model_name = '{{ this.identifier }}'
    )
{%- endmacro %}
