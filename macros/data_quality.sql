{#- Data quality of the inputs (docs/design.md, "Data quality: stop or quarantine"): the checks that stop
    a run while it compiles, and the typing and keys the base_bank__* models use to flag a row with
    the rule it breaks (dq_rule). -#}

{% macro dq_column_problems(table_name) -%}
    {#- What the build would stop on in an input table's columns, and how they are stored:
        {problems: [messages], stored_as_text: {column: true when stored as text}} for the contract's
        required columns (input_contract). Nothing is checked at parse time or in a unit test. -#}
    {%- set checked = {'problems': [], 'stored_as_text': {}} -%}
    {%- set relation = bank_input_relation(table_name) -%}
    {%- set required = input_contract()[table_name].required -%}
    {%- set mapped = input_columns_mapped(table_name) -%}
    {%- if not execute or bank_input(table_name).schema is none -%}
        {{ return(checked) }}
    {%- elif not bank_input_exists(table_name) -%}
        {%- do checked.problems.append("Input table " ~ table_name ~ " is missing from schema " ~ relation.schema
            ~ " (rule: required table): no table or view " ~ relation.identifier ~ " (var input_tables names"
            ~ " your own). It needs the columns " ~ required.keys() | list | join(', ') ~ ".") -%}
        {{ return(checked) }}
    {%- endif -%}
    {%- set found = {} -%}
    {%- for column in bank_input_columns(table_name) -%}
        {%- do found.update({column.name | lower: column}) -%}
    {%- endfor -%}
    {%- for contract_column, own_column in mapped.items() if contract_column not in found -%}
        {%- do checked.problems.append("Input table " ~ table_name ~ " (" ~ relation ~ "), column " ~ contract_column
            ~ ": rule 'mapped column exists' - var input_columns maps it to " ~ own_column ~ ", which the table does"
            ~ " not have (found: " ~ found.keys() | list | sort | join(', ') ~ ").") -%}
    {%- endfor -%}
    {%- for name, kind in required.items() -%}
        {%- set kind = dq_customer_id_kind() if kind == 'id' else kind -%}
        {%- set dtype = found[name].dtype | lower if name in found else '' -%}
        {#- By the type's name: adapters report decimals with their precision (DECIMAL(18,2)). -#}
        {%- set is_text = modules.re.match('(text|varchar|string|character|char)', dtype) is not none -%}
        {%- set usable = is_text or kind == 'text'
            or (kind == 'number' and modules.re.search('int|decimal|numeric|number|float|double|real', dtype))
            or (kind == 'date' and ('date' in dtype or 'timestamp' in dtype)) -%}
        {%- if name not in found and name not in mapped -%}
            {%- do checked.problems.append("Input table " ~ table_name ~ ", column " ~ name ~ ": rule 'required column' - the column is missing"
                ~ " (found: " ~ found.keys() | list | sort | join(', ') ~ "; var input_columns maps your own names).") -%}
        {%- elif name in found and not usable -%}
            {%- do checked.problems.append("Input table " ~ table_name ~ ", column " ~ name ~ ": rule 'castable type' - type "
                ~ found[name].dtype ~ " cannot be cast to a " ~ kind ~ ".") -%}
        {%- endif -%}
        {%- do checked.stored_as_text.update({name: is_text and kind != 'text'}) -%}
    {%- endfor -%}
    {{ return(checked) }}
{%- endmacro %}


{% macro dq_input_columns(table_name) -%}
    {#- Stops the run unless the input table exists with every required column in a usable type, naming
        each problem (dq_column_problems); returns {column: true when stored as text} for safe casts. -#}
    {%- set checked = dq_column_problems(table_name) -%}
    {%- if checked.problems -%}
        {{ exceptions.raise_compiler_error(checked.problems | join('\n')) }}
    {%- endif -%}
    {{ return(checked.stored_as_text) }}
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


{% macro dq_boolean(text_expression) -%}
    {#- A yes/no text, lower case and trimmed, as a boolean: true, t, yes, y, 1 or false, f, no, n, 0;
        anything else null (rule not_a_boolean where the text was not null). -#}
    case
        when {{ text_expression }} in ('true', 't', 'yes', 'y', '1') then true
        when {{ text_expression }} in ('false', 'f', 'no', 'n', '0') then false
    end
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
    {#- Post-hook of an incremental base model of a monthly fact, for the months it did not read again
        (roster: base_bank__customer_roster): as a full build would have them, rows of a customer removed
        from customers go, and those of a customer now quarantined become orphan_customer. -#}
    {%- if is_incremental() -%}
        delete from {{ this }} where customer_id in (select customer_id from {{ roster }} where standing = 'removed');
        update {{ this }} set dq_rule = 'orphan_customer', source_key = {{ dq_key_text(key_columns) }}
        where dq_rule is null and customer_id in (select customer_id from {{ roster }} where standing = 'quarantined')
    {%- endif -%}
{%- endmacro %}
