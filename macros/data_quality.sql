{#- Data quality of the inputs. Two behaviours, chosen per rule (README, "Data quality"):
    - stop: the run fails with a message naming the input table, the column, the rule and up to
      five offending keys (missing tables or columns, unusable column types, duplicate
      customers or products, no customers at all);
    - quarantine: the base_bank__* model flags the row with its rule (dq_rule), staging keeps
      only clean rows, and audit.data_quality_issues lists every flagged row with its run id. -#}

{% macro dq_rules() -%}
    {#- Every quarantine rule, with what it means; the data_quality_summary mart counts each. -#}
    {{ return({
        'null_key': 'a key column is null',
        'not_a_number': 'a number column holds text that is not a number',
        'not_a_date': 'a date column holds text that is not a date',
        'null_required_value': 'a required non-key column is null',
        'date_in_future': 'a date after as_of_date (default: the day of the run)',
        'birth_after_customer_since': 'birth_date after customer_since',
        'closed_before_opened': 'closed_on before opened_on',
        'orphan_customer': 'the customer is not among the valid customers',
        'orphan_product': 'the product is not among the valid products',
        'duplicate_key': 'two or more rows share the key; all are set aside',
        'null_amount': 'balance or revenue is null (counts as no row, i.e. 0)',
        'unknown_product_type': 'product_type is empty or cannot name a feature column',
        'negative_income': 'annual_income below 0: set to unknown, the customer is kept',
        'age_over_120': 'birth_date more than 120 years before as_of_date: set to unknown, the customer is kept',
    }) }}
{%- endmacro %}


{% macro dq_input_columns(table_name, required) -%}
    {#- Stops the run unless the input table exists with every required column in a usable type;
        returns {column: true when stored as text} so that text columns get safe casts.
        required: {column: 'number' | 'date' | 'text'}. Nothing is checked at parse time. -#}
    {%- set relation = bank_input(table_name) -%}
    {#- At parse time, and inside a dbt unit test (whose inputs are fixtures, not tables), there
        is nothing to inspect. -#}
    {%- if not execute or relation.schema is none -%}
        {{ return({}) }}
    {%- endif -%}
    {%- if not bank_input_exists(table_name) -%}
        {{ exceptions.raise_compiler_error(
            "Input table " ~ table_name ~ " is missing from schema " ~ relation.schema
            ~ " (rule: required table). Create it with the columns " ~ required.keys() | list | join(', ') ~ "."
        ) }}
    {%- endif -%}
    {%- set found = {} -%}
    {%- for column in bank_input_columns(table_name) -%}
        {%- do found.update({column.name | lower: column}) -%}
    {%- endfor -%}
    {%- set stored_as_text = {} -%}
    {%- for name, kind in required.items() -%}
        {%- if name not in found -%}
            {{ exceptions.raise_compiler_error(
                "Input table " ~ table_name ~ ", column " ~ name ~ ": rule 'required column' - the column is missing"
                ~ " (found: " ~ found.keys() | list | sort | join(', ') ~ ")."
            ) }}
        {%- endif -%}
        {%- set column = found[name] -%}
        {#- By the type's name: adapters report decimals with their precision (DECIMAL(18,2)). -#}
        {%- set dtype = column.dtype | lower -%}
        {%- set is_text = column.is_string() or modules.re.match('(text|varchar|string|character|char)', dtype) is not none -%}
        {%- set is_number = modules.re.search('int|decimal|numeric|number|float|double|real', dtype) is not none -%}
        {%- set usable = is_text or kind == 'text'
            or (kind == 'number' and is_number)
            or (kind == 'date' and ('date' in dtype or 'timestamp' in dtype)) -%}
        {%- if not usable -%}
            {{ exceptions.raise_compiler_error(
                "Input table " ~ table_name ~ ", column " ~ name ~ ": rule 'castable type' - type " ~ column.dtype
                ~ " cannot be cast to a " ~ kind ~ "."
            ) }}
        {%- endif -%}
        {%- do stored_as_text.update({name: is_text and kind != 'text'}) -%}
    {%- endfor -%}
    {{ return(stored_as_text) }}
{%- endmacro %}


{% macro dq_cast(column_name, data_type, stored_as_text) -%}
    {#- The column cast to data_type; a text column through a cast that gives null instead of
        failing, so a bad value is flagged (not_a_number, not_a_date) rather than stopping the run. -#}
    {%- if stored_as_text.get(column_name, false) -%}
        {{ adapter.dispatch('dq_safe_cast', 'bank_segmentation')(column_name, data_type) }}
    {%- else -%}
        cast({{ column_name }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}


{% macro default__dq_safe_cast(expression, data_type) -%}
    try_cast(trim({{ expression }}) as {{ data_type }})
{%- endmacro %}


{% macro postgres__dq_safe_cast(expression, data_type) -%}
    {#- Postgres has no try_cast: the text must look like the type. A well-formed but impossible
        date (2024-02-30) still stops the run there. -#}
    {%- set pattern = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' if data_type == 'date'
        else '^[-+]?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' -%}
    case when trim({{ expression }}) ~ '{{ pattern }}' then cast(trim({{ expression }}) as {{ data_type }}) end
{%- endmacro %}


{% macro dq_as_of() -%}
    {#- SQL for the day no input date may pass: var as_of_date, else the day of the run. -#}
    {%- set as_of = var_date('as_of_date') -%}
    {{ return("cast('" ~ as_of ~ "' as date)" if as_of else 'current_date') }}
{%- endmacro %}


{% macro dq_key_text(columns, prefix='') -%}
    {#- The row's key as text, for the audit: 'customer_id=17|month_date=2024-01-31'; the values
        are read from the columns named prefix ~ column (the input values before any cast). -#}
    {%- for column in columns -%}
        '{{ column }}=' || coalesce(cast({{ prefix ~ column }} as {{ dbt.type_string() }}), 'null'){{ " || '|' || " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{% macro dq_flagged_key(columns) -%}
    {#- The input key as text on rows that break a rule (dq_rule set), null on clean rows: on the
        big facts, text keys for every row cost more to build and store than all the checks. The
        input values are in the columns input_<column>. -#}
    case when dq_rule is not null then {{ dq_key_text(columns, 'input_') }} end
{%- endmacro %}


{% macro dq_new_months_filter(month_expression) -%}
    {#- Incremental base models of monthly facts: the rows of months after the watermark, and
        every row whose month is missing or unreadable (the pre-hook deleted their earlier copy).
        Rows dated after as_of_date do not set the watermark, so their months are checked again
        once the date has come. -#}
    {%- set watermark = month_watermark("dq_rule is null or dq_rule <> 'date_in_future'") if is_incremental() else none -%}
    {%- do record_months_built(watermark) -%}
    {%- if watermark is not none -%}
        where {{ month_expression }} is null or {{ month_expression }} > cast('{{ watermark }}' as date)
    {%- endif -%}
{%- endmacro %}


{% macro dq_stop_on_duplicates(relation, table_name, key_columns) -%}
    {#- Stops the run when a key of an entity table (customers, products) is there twice:
        which row is right cannot be guessed, and either would change segments. -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set query -%}
        select {{ keys }}, count(*) as copies
        from {{ relation }}
        where dq_rule is null
        group by {{ keys }}
        having count(*) > 1
        order by {{ keys }}
    {%- endset -%}
    {%- set duplicates = run_query(query) -%}
    {%- if duplicates.rows | length > 0 -%}
        {%- set examples = [] -%}
        {%- for row in duplicates.rows[:5] -%}
            {%- do examples.append(row[0] ~ ' (' ~ row[-1] ~ ' rows)') -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "Input table " ~ table_name ~ ", column " ~ keys ~ ": rule 'unique key' - " ~ duplicates.rows | length
            ~ " key(s) appear more than once, e.g. " ~ examples | join(', ') ~ ". Keep one row per key in the input."
        ) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{% macro dq_stop_if_empty(relation, table_name) -%}
    {%- if execute and run_query('select count(*) from ' ~ relation ~ ' where dq_rule is null').columns[0].values()[0] == 0 -%}
        {{ exceptions.raise_compiler_error(
            "Input table " ~ table_name ~ ": rule 'not empty' - no usable row (the table is empty or every row is"
            ~ " quarantined; see audit.data_quality_issues). Nothing can be segmented."
        ) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{% macro dq_usable_name(expression) -%}
    {#- True when a normalised value can become part of a column name. -#}
    {{ return(adapter.dispatch('dq_usable_name', 'bank_segmentation')(expression)) }}
{%- endmacro %}


{% macro default__dq_usable_name(expression) -%}
    regexp_full_match({{ expression }}, '[a-z][a-z0-9_]{0,39}')
{%- endmacro %}


{% macro postgres__dq_usable_name(expression) -%}
    ({{ expression }} ~ '^[a-z][a-z0-9_]{0,39}$')
{%- endmacro %}


{% macro snowflake__dq_usable_name(expression) -%}
    regexp_like({{ expression }}, '[a-z][a-z0-9_]{0,39}')
{%- endmacro %}


{% macro dq_monthly_amounts(table_name, amount_column) -%}
    {#- base model of a customer x product x month fact (balances, revenues): typed, month
        normalised, with the first quarantine rule each row breaks; incremental on the month
        (the model's config: dq_monthly_fact_config()). -#}
    {%- set stored_as_text = dq_input_columns(table_name, {
        'customer_id': dq_customer_id_kind(),
        'product_id': 'text',
        'month_date': 'date',
        amount_column: 'number',
    }) -%}

with source as (

    select * from {{ bank_input(table_name) }}
    {{ dq_new_months_filter(dq_cast('month_date', 'date', stored_as_text)) }}

),

typed as (

    select
        customer_id as input_customer_id,
        product_id as input_product_id,
        month_date as input_month_date,
        customer_id is null or product_id is null or month_date is null as is_key_missing,
        {{ amount_column }} is null as is_amount_missing,
        {{ dq_cast('customer_id', customer_id_type(), stored_as_text) }} as customer_id,
        product_id,
        {{ month_end(dq_cast('month_date', 'date', stored_as_text)) }} as month_date,
        {{ dq_cast(amount_column, dbt.type_numeric(), stored_as_text) }} as {{ amount_column }}
    from source

),

customers as (

    select customer_id from {{ ref('stg_bank__customers') }}

),

products as (

    select product_id from {{ ref('stg_bank__products') }}

),

checked as (

    select
        typed.*,
        case
            when typed.is_key_missing then 'null_key'
            when typed.customer_id is null then 'not_a_number'
            when typed.month_date is null then 'not_a_date'
            when typed.is_amount_missing then 'null_amount'
            when typed.{{ amount_column }} is null then 'not_a_number'
            when typed.month_date > {{ month_end(dq_as_of()) }} then 'date_in_future'
            when customers.customer_id is null then 'orphan_customer'
            when products.product_id is null then 'orphan_product'
            when count(*) over (partition by typed.customer_id, typed.product_id, typed.month_date) > 1
                then 'duplicate_key'
        end as dq_rule
    from typed
    left join customers on typed.customer_id = customers.customer_id
    left join products on typed.product_id = products.product_id

),

final as (

    select
        {{ dq_flagged_key(['customer_id', 'product_id', 'month_date']) }} as source_key,
        customer_id,
        product_id,
        month_date,
        {{ amount_column }},
        dq_rule
    from checked

)

select * from final
{%- endmacro %}


{% macro dq_monthly_fact_config() -%}
    {#- Config of the base models of monthly facts: a table that grows by month (a run checks
        only the months after the last one stored), and rows without a readable month, which
        every run checks again, replaced rather than stacked. -#}
    {{ month_incremental_config(
        pre_hook="{% if is_incremental() %}delete from {{ this }} where month_date is null{% endif %}",
    ) }}
{%- endmacro %}


{% macro dq_customer_id_kind() -%}
    {#- What an input customer_id must be castable to: a number, unless ids are kept as text. -#}
    {{ return('number' if customer_id_type() != 'varchar' else 'text') }}
{%- endmacro %}
