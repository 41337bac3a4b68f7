{#- Every project var is validated here before it reaches SQL. Each kind of var has a macro returning '' for
    a good raw value, else its problem ("Invalid var 'NAME': got VALUE; allowed: ALLOWED."); the accessors
    models call return the value or stop the run, naming every bad var at once. -#}

{% macro validate_vars() -%}
    {#- on-run-start: stops the run, naming every bad var, before any SQL runs. -#}
    {%- do raise_var_problems(var_problems()) -%}
{%- endmacro %}


{% macro check_vars(cases) -%}
    {#- run-operation: prints one JSON line {"case": n, "problems": [...]} per case of vars (a
        mapping over the project's), e.g. --args '{cases: [{lookback_months: 0}, {n_clusters: 1}]}'. -#}
    {%- for case in cases -%}
        {%- do print(tojson({'case': loop.index, 'problems': var_problems(case)})) -%}
    {%- endfor -%}
{%- endmacro %}


{% macro var_problems(given={}) -%}
    {#- The problems of all vars (empty when all are good), given's vars (name: value) replacing the run's. -#}
    {%- set k_min = given_var(given, 'diagnostics_k_min') -%}
    {%- set k_min = 2 if int_problem('diagnostics_k_min', k_min, 2, 50) else k_min | int -%}
    {%- set problems = [
        date_problem('reference_date', given_var(given, 'reference_date'), month_ok=true),
        int_problem('lookback_months', given_var(given, 'lookback_months'), 1, 120),
        int_problem('n_clusters', given_var(given, 'n_clusters'), 2, 50),
        int_problem('random_seed', given_var(given, 'random_seed'), 0, 2147483647),
        identifier_problem('input_schema', given_var(given, 'input_schema')),
        input_tables_problem(given_var(given, 'input_tables', {}), given_var(given, 'input_schema')),
        input_columns_problem(given_var(given, 'input_columns', {}), given_var(given, 'input_schema')),
        activity_columns_problem(given_var(given, 'activity_columns')),
        liability_product_types_problem(given_var(given, 'liability_product_types', [])),
        one_of_problem('liability_balances_sign', given_var(given, 'liability_balances_sign', 'negative'), ['negative', 'positive']),
        identifier_problem('bi_read_role', given_var(given, 'bi_read_role')),
        customer_id_type_problem(given_var(given, 'customer_id_type', 'bigint')),
        kmeans_engine_problem(given_var(given, 'kmeans_engine')),
        feature_screening_problem(given_var(given, 'feature_screening', 'report'), given_var(given, 'kmeans_engine')),
        categorical_features_problem(given_var(given, 'categorical_features', [])),
        int_problem('n_init', given_var(given, 'n_init'), 1, 100),
        int_problem('max_iter', given_var(given, 'max_iter'), 1, 10000),
        int_problem('diagnostics_k_min', given_var(given, 'diagnostics_k_min'), 2, 50),
        int_problem('diagnostics_k_max', given_var(given, 'diagnostics_k_max'), k_min, 50),
        int_problem('silhouette_sample', given_var(given, 'silhouette_sample'), 100, 1000000),
        int_problem('diagnostics_sample', given_var(given, 'diagnostics_sample'), 10, 1000000000),
        int_problem('kmeans_sample', given_var(given, 'kmeans_sample'), 100, 1000000000),
        int_problem('method_sample', given_var(given, 'method_sample'), 100, 20000),
        int_list_problem('transition_comparison_months', given_var(given, 'transition_comparison_months'), 1, 120),
        int_problem('transition_driver_min_customers', given_var(given, 'transition_driver_min_customers'), 1, 1000000),
        date_problem('as_of_date', given_var(given, 'as_of_date')),
        share_problem('min_segment_share', given_var(given, 'min_segment_share')),
        share_problem('k_score_tolerance', given_var(given, 'k_score_tolerance')),
        share_problem('k_stability_min', given_var(given, 'k_stability_min'), 1),
        share_problem('borderline_margin', given_var(given, 'borderline_margin')),
        share_problem('psi_watch', given_var(given, 'psi_watch')),
        share_problem('psi_act', given_var(given, 'psi_act')),
        share_problem('month_drop_warning_share', given_var(given, 'month_drop_warning_share')),
        share_problem('activity_falling_share', given_var(given, 'activity_falling_share')),
        flag_problem('trend_features', given_var(given, 'trend_features', false)),
        flag_problem('refit_model', given_var(given, 'refit_model', false)),
        int_problem('reprocess_months', given_var(given, 'reprocess_months'), 0, 120),
        memory_problem('postgres_work_mem', given_var(given, 'postgres_work_mem')),
        flag_problem('postgres_unlogged', given_var(given, 'postgres_unlogged', false)),
    ] -%}
    {{ return(problems | select | list) }}
{%- endmacro %}


{% macro given_var(given, name, default=none) -%}
    {#- given[name] when given has it, else the run's var. -#}
    {{ return(given[name] if name in given else var(name, default)) }}
{%- endmacro %}


{% macro var_problem(name, value, allowed) -%}
    {#- The problem of a bad var value, as users and tests read it. -#}
    {{ return("Invalid var '" ~ name ~ "': got " ~ (value | string | truncate(60)) ~ "; allowed: " ~ allowed ~ ".") }}
{%- endmacro %}


{% macro raise_var_problems(problems) -%}
    {#- When one of problems is not '', stops the run with them and the problems of every other
        var, one a line: a run that stops names every bad var, whichever is read first. -#}
    {%- if problems | select | list -%}
        {{ exceptions.raise_compiler_error((problems + var_problems()) | select | unique | join('\n')) }}
    {%- endif -%}
{%- endmacro %}


{% macro int_problem(name, raw, min_value, max_value) -%}
    {#- An integer from min_value to max_value, or a string holding one. -#}
    {%- set ok = raw is integer or (raw is string and modules.re.fullmatch('[0-9]+', raw.strip())) -%}
    {%- set ok = ok and min_value <= raw | int <= max_value -%}
    {{ return('' if ok else var_problem(name, raw, "an integer from " ~ min_value ~ " to " ~ max_value)) }}
{%- endmacro %}


{% macro var_int(name, min_value, max_value) -%}
    {#- The var, an integer from min_value to max_value. -#}
    {%- do raise_var_problems([int_problem(name, var(name), min_value, max_value)]) -%}
    {{ return(var(name) | int) }}
{%- endmacro %}


{% macro int_list_problem(name, raw, min_value, max_value) -%}
    {#- A list of integers from min_value to max_value (a single integer is a list of one). -#}
    {%- set items = [raw] if raw is integer or raw is string else raw -%}
    {%- set bad = [] if items is iterable and items is not mapping else [raw] -%}
    {%- for item in (items if not bad else []) if int_problem(name, item, min_value, max_value) -%}
        {%- do bad.append(item) -%}
    {%- endfor -%}
    {{ return(var_problem(name, raw, "a list of integers from " ~ min_value ~ " to " ~ max_value) if bad else '') }}
{%- endmacro %}


{% macro var_int_list(name, min_value, max_value) -%}
    {#- The var, a list of integers from min_value to max_value: sorted, without repeats. -#}
    {%- set raw = var(name) -%}
    {%- do raise_var_problems([int_list_problem(name, raw, min_value, max_value)]) -%}
    {{ return(([raw] if raw is integer or raw is string else raw) | map('int') | unique | sort | list) }}
{%- endmacro %}


{% macro identifier_problem(name, raw) -%}
    {#- null or a plain schema or table name, so it can never carry SQL. -#}
    {%- set ok = raw is none or (raw is string and modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]{0,62}', raw)) -%}
    {%- set allowed = "null or a plain identifier (letters, digits, underscores; not starting with a digit)" -%}
    {{ return('' if ok else var_problem(name, raw, allowed)) }}
{%- endmacro %}


{% macro var_identifier(name) -%}
    {#- The var, an optional schema or table name (none when not set). -#}
    {%- do raise_var_problems([identifier_problem(name, var(name, none))]) -%}
    {{ return(var(name, none)) }}
{%- endmacro %}


{% macro date_problem(name, raw, month_ok=false) -%}
    {#- null or a real calendar date 'YYYY-MM-DD' (with month_ok, also a month 'YYYY-MM'). -#}
    {%- set parts = modules.re.fullmatch('([0-9]{4})-([0-9]{2})(-([0-9]{2}))' ~ ('?' if month_ok else ''), raw | string) -%}
    {%- set ok = raw is none or (parts and (parts.group(1) | int) >= 1900 and 1 <= parts.group(2) | int <= 12
        and (parts.group(4) is none or 1 <= parts.group(4) | int <= month_last_day(raw).day)) -%}
    {%- set allowed = "null (latest month in the data) or a date as 'YYYY-MM-DD' or 'YYYY-MM'" if month_ok else "null or a date as 'YYYY-MM-DD'" -%}
    {{ return('' if ok else var_problem(name, raw, allowed)) }}
{%- endmacro %}


{% macro month_last_day(text) -%}
    {#- The last day of the month of a date or month 'YYYY-MM[-DD]', as a date. -#}
    {%- set year, month = (text | string)[:4] | int, (text | string)[5:7] | int -%}
    {{ return(modules.datetime.date(year + month // 12, month % 12 + 1, 1) - modules.datetime.timedelta(days=1)) }}
{%- endmacro %}


{% macro var_date(name) -%}
    {#- The var, null or a real calendar date 'YYYY-MM-DD' (returned as that text). -#}
    {%- set raw = var(name, none) -%}
    {%- do raise_var_problems([date_problem(name, raw)]) -%}
    {{ return(none if raw is none else raw | string) }}
{%- endmacro %}


{% macro var_reference_date() -%}
    {#- null, or a date 'YYYY-MM-DD' / month 'YYYY-MM', returned as that month's last day
        ('YYYY-MM-DD'). Whether the month is in the data: the test reference_date_is_a_month_of_the_data. -#}
    {%- set raw = var('reference_date', none) -%}
    {%- do raise_var_problems([date_problem('reference_date', raw, month_ok=true)]) -%}
    {{ return(none if raw is none else month_last_day(raw).isoformat()) }}
{%- endmacro %}


{% macro share_problem(name, raw, max_value=0.5) -%}
    {#- A share from 0 to max_value: a number, or a string holding one. -#}
    {%- set ok = (raw is number and raw is not boolean) or (raw is string and modules.re.fullmatch('[0-9]*\\.?[0-9]+', raw.strip())) -%}
    {{ return('' if ok and 0 <= raw | float <= max_value else var_problem(name, raw, "a number from 0 to " ~ max_value)) }}
{%- endmacro %}


{% macro var_share(name, max_value=0.5) -%}
    {#- The var, a share from 0 to max_value, as a number. -#}
    {%- do raise_var_problems([share_problem(name, var(name), max_value)]) -%}
    {{ return(var(name) | float) }}
{%- endmacro %}


{% macro customer_id_type_problem(raw) -%}
    {#- var customer_id_type: one of the SQL types below. -#}
    {%- set allowed = ['bigint', 'integer', 'varchar'] -%}
    {{ return('' if raw in allowed else var_problem('customer_id_type', raw, allowed | join(', '))) }}
{%- endmacro %}


{% macro customer_id_type() -%}
    {#- The SQL type customer ids are cast to in staging and declared as in mart contracts. -#}
    {%- do raise_var_problems([customer_id_type_problem(var('customer_id_type', 'bigint'))]) -%}
    {{ return(var('customer_id_type', 'bigint')) }}
{%- endmacro %}


{% macro kmeans_engine_problem(raw) -%}
    {#- var kmeans_engine (read by kmeans_engine()): 'python', 'sql' or null for the adapter's default. -#}
    {{ return('' if not raw or raw in ['python', 'sql'] else var_problem('kmeans_engine', raw, "'python' or 'sql'")) }}
{%- endmacro %}


{% macro feature_screening_problem(raw, engine) -%}
    {#- var feature_screening (read by feature_screening()): report, or apply where the Python engine
        runs the screening (not with kmeans_engine sql, the default on Postgres). -#}
    {%- if raw == 'apply' and (engine or default_kmeans_engine()) == 'sql' -%}
        {{ return(var_problem('feature_screening', raw, "report, with the SQL KMeans engine (kmeans_engine sql,"
            ~ " the default on Postgres): the screening apply uses runs in a Python model")) }}
    {%- endif -%}
    {{ return(one_of_problem('feature_screening', raw, ['report', 'apply'])) }}
{%- endmacro %}


{% macro feature_screening() -%}
    {#- 'report' (the screening is only reported) or 'apply' (seg_preprocessing leaves out what it drops). -#}
    {%- set raw = var('feature_screening', 'report') -%}
    {%- do raise_var_problems([feature_screening_problem(raw, var('kmeans_engine', none))]) -%}
    {{ return(raw) }}
{%- endmacro %}


{% macro categorical_features_problem(raw) -%}
    {#- var categorical_features (read by categorical_features()): a list drawn from these customer columns. -#}
    {%- set allowed = ['tier', 'gender', 'marital_status', 'occupation', 'region'] -%}
    {%- set ok = raw is not string and raw is iterable and not (raw | reject('in', allowed) | list) -%}
    {{ return('' if ok else var_problem('categorical_features', raw, "a list drawn from " ~ allowed | join(', '))) }}
{%- endmacro %}


{% macro flag_problem(name, raw) -%}
    {#- A true/false var (refit_model, trend_features): true or false, or the string 'true' or 'false'. -#}
    {%- set ok = raw is boolean or (raw is string and raw | lower in ['true', 'false']) -%}
    {{ return('' if ok else var_problem(name, raw, 'true or false')) }}
{%- endmacro %}


{% macro var_flag(name) -%}
    {#- The var, true or false (default false); the strings 'true' and 'false' are accepted. -#}
    {%- set raw = var(name, false) -%}
    {%- do raise_var_problems([flag_problem(name, raw)]) -%}
    {{ return(raw if raw is boolean else raw | lower == 'true') }}
{%- endmacro %}


{% macro input_tables_problem(raw, input_schema) -%}
    {#- var input_tables: {contract table: your table, a plain name}, only with input_schema; names a bad entry. -#}
    {%- set tables = input_contract().keys() | list -%}
    {%- for table, own in (raw.items() if raw is mapping else [(raw, none)])
        if raw and (input_schema is none or table not in tables or own is not string or identifier_problem('', own)) -%}
        {{ return(var_problem('input_tables', table ~ ': ' ~ own if raw is mapping else raw,
            "{contract table: your table} with input_schema set; contract tables: " ~ tables | join(', '))) }}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{% macro input_columns_problem(raw, input_schema) -%}
    {#- var input_columns: {contract table: {contract column: your plain column name, each once}}, with input_schema. -#}
    {%- set contract = input_contract() -%}
    {%- for table, columns in (raw.items() if raw is mapping else [(raw, none)]) if raw -%}
        {%- if input_schema is none or table not in contract or columns is not mapping -%}
            {{ return(var_problem('input_columns', table ~ ': ' ~ columns if raw is mapping else raw,
                "{contract table: {contract column: your column}} with input_schema set; contract tables: " ~ contract.keys() | join(', '))) }}
        {%- endif -%}
        {%- set names = contract[table].required.keys() | list + contract[table].optional -%}
        {%- for column, own in columns.items() if column not in names -%}
            {{ return(var_problem('input_columns', table ~ '.' ~ column, "the columns of " ~ table ~ ": " ~ names | join(', '))) }}
        {%- endfor -%}
        {%- set owns = columns.values() | map('string') | map('lower') | list -%}
        {%- for column, own in columns.items() -%}
            {%- if own is not string or identifier_problem('', own) or own | lower in owns[:loop.index0] -%}
                {{ return(var_problem('input_columns', table ~ '.' ~ column ~ ': ' ~ own, "a plain column name, each of your columns once")) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{% macro activity_columns_problem(raw) -%}
    {#- var activity_columns: null (every numeric column) or a list of plain column names. -#}
    {%- set names = raw if raw is iterable and raw is not string and raw is not mapping else [none] -%}
    {%- set bad = [] -%}
    {%- for name in names if raw is not none and (name is not string or identifier_problem('', name)) -%}
        {%- do bad.append(name) -%}
    {%- endfor -%}
    {{ return(var_problem('activity_columns', raw, "null or a list of column names") if bad else '') }}
{%- endmacro %}


{% macro memory_problem(name, raw) -%}
    {#- null or a Postgres memory size: digits and kB, MB or GB, e.g. '256MB'. -#}
    {%- set ok = raw is none or (raw is string and modules.re.fullmatch('[1-9][0-9]{0,6}(kB|MB|GB)', raw)) -%}
    {{ return('' if ok else var_problem(name, raw, "null or a size such as '256MB' (digits, then kB, MB or GB)")) }}
{%- endmacro %}


{% macro one_of_problem(name, raw, allowed) -%}
    {#- One of the allowed strings. -#}
    {{ return('' if raw in allowed else var_problem(name, raw, allowed | join(' or '))) }}
{%- endmacro %}


{% macro liability_product_types_problem(raw) -%}
    {#- var liability_product_types: a list of product type names (as the models spell them: lower case, '_'). -#}
    {%- set names = raw if raw is iterable and raw is not string and raw is not mapping else [none] -%}
    {%- set bad = [] -%}
    {%- for name in names if name is not string or not modules.re.fullmatch('[a-z][a-z0-9_]{0,39}', name) -%}
        {%- do bad.append(name) -%}
    {%- endfor -%}
    {{ return(var_problem('liability_product_types', raw, "a list of product type names (lower case, digits, '_')") if bad else '') }}
{%- endmacro %}


{% macro liability_sign() -%}
    {#- -1 when balances store what a customer owes as negative figures (var liability_balances_sign), else 1. -#}
    {%- set raw = var('liability_balances_sign', 'negative') -%}
    {%- do raise_var_problems([one_of_problem('liability_balances_sign', raw, ['negative', 'positive'])]) -%}
    {{ return(-1 if raw == 'negative' else 1) }}
{%- endmacro %}


{% macro liability_product_types() -%}
    {#- The product types counted as borrowing where the products input has no is_liability column. -#}
    {%- set raw = var('liability_product_types', []) -%}
    {%- do raise_var_problems([liability_product_types_problem(raw)]) -%}
    {{ return(raw | list) }}
{%- endmacro %}
