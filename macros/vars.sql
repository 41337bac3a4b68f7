{#- Every project var is validated here before it reaches SQL. A bad value stops the run
    with a message naming the var, what was given and what is allowed. -#}

{% macro validate_vars() %}
    {%- do var_reference_date() -%}
    {%- do var_int('lookback_months', 1, 120) -%}
    {%- do var_int('n_clusters', 2, 50) -%}
    {%- do var_int('random_seed', 0, 2147483647) -%}
    {%- do var_identifier('input_schema') -%}
    {%- do var_identifier('bi_read_role') -%}
    {%- do customer_id_type() -%}
    {%- do kmeans_engine() -%}
    {%- do categorical_features() -%}
    {%- do var_int('n_init', 1, 100) -%}
    {%- do var_int('max_iter', 1, 10000) -%}
    {%- do var_int('diagnostics_k_min', 2, 50) -%}
    {%- do var_int('diagnostics_k_max', var_int('diagnostics_k_min', 2, 50), 50) -%}
    {%- do var_int('silhouette_sample', 100, 1000000) -%}
    {%- do var_int('diagnostics_sample', 10, 1000000000) -%}
    {%- do var_int_list('transition_comparison_months', 1, 120) -%}
    {%- do var_date('as_of_date') -%}
    {%- do var_share('min_segment_share') -%}
    {%- do refit_model() -%}
    {%- do var_int('reprocess_months', 0, 120) -%}
{% endmacro %}


{% macro customer_id_type() -%}
    {#- The SQL type customer ids are cast to in staging and declared as in mart contracts. -#}
    {%- set allowed = ['bigint', 'integer', 'varchar'] -%}
    {%- set value = var('customer_id_type', 'bigint') -%}
    {%- if value not in allowed -%}
        {{ invalid_var('customer_id_type', value, allowed | join(', ')) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro invalid_var(name, value, allowed) -%}
    {{ exceptions.raise_compiler_error(
        "Invalid var '" ~ name ~ "': got " ~ (value | string | truncate(60)) ~ "; allowed: " ~ allowed ~ "."
    ) }}
{%- endmacro %}


{% macro var_int(name, min_value, max_value) -%}
    {%- set raw = var(name) -%}
    {%- set allowed = "an integer from " ~ min_value ~ " to " ~ max_value -%}
    {%- if raw is integer -%}
        {%- set value = raw -%}
    {%- elif raw is string and modules.re.fullmatch('[0-9]+', raw.strip()) -%}
        {%- set value = raw.strip() | int -%}
    {%- else -%}
        {{ invalid_var(name, raw, allowed) }}
    {%- endif -%}
    {%- if value < min_value or value > max_value -%}
        {{ invalid_var(name, raw, allowed) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{% macro var_identifier(name) -%}
    {#- An optional schema or table name: a plain identifier, so it can never carry SQL. -#}
    {%- set raw = var(name, none) -%}
    {%- if raw is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not (raw is string and modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]{0,62}', raw)) -%}
        {{ invalid_var(name, raw, "null or a plain identifier (letters, digits, underscores; not starting with a digit)") }}
    {%- endif -%}
    {{ return(raw) }}
{%- endmacro %}


{% macro var_reference_date() -%}
    {#- null, or a date 'YYYY-MM-DD' / month 'YYYY-MM', returned as that month's last day
        ('YYYY-MM-DD'). Whether the month is in the data is the test reference_date_is_a_month_of_the_data. -#}
    {%- set raw = var('reference_date', none) -%}
    {%- if raw is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set allowed = "null (latest month in the data) or a date as 'YYYY-MM-DD' or 'YYYY-MM'" -%}
    {%- set parts = modules.re.fullmatch('([0-9]{4})-([0-9]{2})(-([0-9]{2}))?', raw | string) -%}
    {%- if parts is none -%}
        {{ invalid_var('reference_date', raw, allowed) }}
    {%- endif -%}
    {%- set year = parts.group(1) | int -%}
    {%- set month = parts.group(2) | int -%}
    {%- if year < 1900 or month < 1 or month > 12 -%}
        {{ invalid_var('reference_date', raw, allowed) }}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(year + (month // 12), (month % 12) + 1, 1) -%}
    {%- set last_day = next_month - modules.datetime.timedelta(days=1) -%}
    {%- if parts.group(4) is not none and ((parts.group(4) | int) < 1 or (parts.group(4) | int) > last_day.day) -%}
        {{ invalid_var('reference_date', raw, allowed) }}
    {%- endif -%}
    {{ return(last_day.isoformat()) }}
{%- endmacro %}


{% macro var_int_list(name, min_value, max_value) -%}
    {#- A list of integers within a range (a single integer is taken as a list of one). -#}
    {%- set raw = var(name) -%}
    {%- set items = [raw] if raw is integer or raw is string else raw -%}
    {%- set allowed = "a list of integers from " ~ min_value ~ " to " ~ max_value -%}
    {%- if items is not iterable or items is mapping -%}
        {{ invalid_var(name, raw, allowed) }}
    {%- endif -%}
    {%- set values = [] -%}
    {%- for item in items -%}
        {%- if not (item is integer or (item is string and modules.re.fullmatch('[0-9]+', item.strip()))) -%}
            {{ invalid_var(name, raw, allowed) }}
        {%- endif -%}
        {%- set value = item | int -%}
        {%- if value < min_value or value > max_value -%}
            {{ invalid_var(name, raw, allowed) }}
        {%- endif -%}
        {%- do values.append(value) -%}
    {%- endfor -%}
    {{ return(values | unique | sort | list) }}
{%- endmacro %}


{% macro var_date(name) -%}
    {#- null, or a real calendar date 'YYYY-MM-DD' (returned as that text). -#}
    {%- set raw = var(name, none) -%}
    {%- if raw is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set allowed = "null or a date as 'YYYY-MM-DD'" -%}
    {%- set parts = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', raw | string) -%}
    {%- if parts is none -%}
        {{ invalid_var(name, raw, allowed) }}
    {%- endif -%}
    {%- set year, month, day = parts.group(1) | int, parts.group(2) | int, parts.group(3) | int -%}
    {%- if year < 1900 or month < 1 or month > 12 or day < 1 -%}
        {{ invalid_var(name, raw, allowed) }}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(year + (month // 12), (month % 12) + 1, 1) -%}
    {%- if day > (next_month - modules.datetime.timedelta(days=1)).day -%}
        {{ invalid_var(name, raw, allowed) }}
    {%- endif -%}
    {{ return(raw | string) }}
{%- endmacro %}


{% macro var_share(name) -%}
    {#- A share from 0 to 0.5 (a number, or a string holding one). -#}
    {%- set raw = var(name) -%}
    {%- set allowed = "a number from 0 to 0.5" -%}
    {%- if raw is number and raw is not boolean -%}
        {%- set value = raw | float -%}
    {%- elif raw is string and modules.re.fullmatch('[0-9]*\\.?[0-9]+', raw.strip()) -%}
        {%- set value = raw.strip() | float -%}
    {%- else -%}
        {{ invalid_var(name, raw, allowed) }}
    {%- endif -%}
    {%- if value < 0 or value > 0.5 -%}
        {{ invalid_var(name, raw, allowed) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
