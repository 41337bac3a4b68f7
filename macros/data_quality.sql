{#- Data quality of the inputs. Two behaviours, chosen per rule (README, "Data quality"):
    - stop: a missing table or column, or an unusable column type, fails the run while it
      compiles, with a message naming the input table, the column and the rule; duplicate
      customers or products and no usable customer fail error-severity tests on the base models
      (tests/data/generic/input_keys.sql), which skip everything downstream and store the keys;
    - quarantine: the base_bank__* model flags the row with its rule (dq_rule), staging keeps
      only clean rows, and audit.data_quality_issues lists every flagged row with its run id. -#}

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
            ~ " (rule: required table): no table or view " ~ relation.identifier ~ " (var input_tables names"
            ~ " your own). It needs the columns " ~ required.keys() | list | join(', ') ~ "."
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
                ~ " (found: " ~ found.keys() | list | sort | join(', ') ~ "; var input_columns maps your own names)."
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


{% macro dq_customer_id_kind() -%}
    {#- What an input customer_id must be castable to: a number, unless ids are kept as text. -#}
    {{ return('number' if customer_id_type() != 'varchar' else 'text') }}
{%- endmacro %}


{% macro flag_removed_customers(roster, key_columns) -%}
    {#- Post-hook of an incremental base model of a monthly fact, for the months the run did not
        read again (roster: base_bank__customer_roster, who left): rows of a customer removed from
        the customers input go, as a full build would have it; rows of a customer still there
        but now quarantined become orphan_customer, as a full build would flag them. A customer
        removed from customers but not from the facts fails keeps_every_input_row: run
        --full-refresh then. -#}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where customer_id in (select customer_id from {{ roster }} where standing = 'removed');

        update {{ this }}
        set
            dq_rule = 'orphan_customer',
            source_key = {{ dq_key_text(key_columns) }}
        where
            dq_rule is null
            and customer_id in (select customer_id from {{ roster }} where standing = 'quarantined')
    {%- endif -%}
{%- endmacro %}
