{#- The input tables of the data contract: the demo seeds by default, or the user's own
    tables in var('input_schema'). Only staging models call these. -#}

{% macro bank_input(table_name) -%}
    {#- Returns the relation (not text), so callers can introspect it. -#}
    {{ return(ref(table_name) if var_identifier('input_schema') is none else source('bank', table_name)) }}
{%- endmacro %}


{% macro bank_input_relation(table_name) -%}
    {#- The input table as a plain relation to introspect: not the empty subquery ref() gives
        under --empty. A dbt unit test sees only its fixtures, so there it is the demo seed's own
        table (unit tests run on the demo seeds only). -#}
    {%- set relation = bank_input(table_name) -%}
    {%- if model.resource_type != 'unit_test' -%}
        {{ return(api.Relation.create(database=relation.database, schema=relation.schema, identifier=relation.identifier)) }}
    {%- endif -%}
    {#- The demo seeds' schema, as dbt_project.yml configures it. -#}
    {{ return(api.Relation.create(database=target.database, schema=generate_schema_name('demo_data', none), identifier=table_name)) }}
{%- endmacro %}


{% macro bank_input_exists(table_name) -%}
    {#- True when the input table is there; at parse time we cannot know, so assume it is. -#}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set relation = bank_input_relation(table_name) -%}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {{ return(found is not none) }}
{%- endmacro %}


{% macro input_contract() -%}
    {#- The contract's tables (docs/design.md, "Inputs"): key, required columns with what they must cast to
        (id: customer_id_type), optional columns. input_tables and input_columns map yours onto these. -#}
    {%- set amounts = {'customer_id': 'id', 'product_id': 'text', 'month_date': 'date'} -%}
    {{ return({
        'customers': {'key': ['customer_id'], 'required': {'customer_id': 'id', 'birth_date': 'date', 'customer_since': 'date', 'tier': 'text'},
            'optional': ['annual_income', 'gender', 'marital_status', 'occupation', 'region', 'loaded_at']},
        'customer_activity': {'key': ['customer_id', 'month_date'], 'required': {'customer_id': 'id', 'month_date': 'date'}, 'optional': ['loaded_at']},
        'products': {'key': ['product_id'], 'required': {'product_id': 'text', 'product_name': 'text', 'product_type': 'text'}, 'optional': ['is_liability', 'loaded_at']},
        'product_holdings': {'key': ['customer_id', 'product_id', 'opened_on'],
            'required': {'customer_id': 'id', 'product_id': 'text', 'opened_on': 'date', 'closed_on': 'date'}, 'optional': ['loaded_at']},
        'balances': {'key': amounts.keys() | list, 'required': dict(amounts, balance='number'), 'optional': ['loaded_at']},
        'revenues': {'key': amounts.keys() | list, 'required': dict(amounts, revenue='number'), 'optional': ['loaded_at']},
    }) }}
{%- endmacro %}


{% macro input_columns_mapped(table_name) -%}
    {#- {contract column: your column} of an input table (var input_columns). -#}
    {{ return((var('input_columns', {}) or {}).get(table_name) or {}) }}
{%- endmacro %}


{% macro bank_input_columns(table_name) -%}
    {#- Columns of an input table (dbt Column objects) as the models name them, [] at parse time:
        a column var input_columns maps under its contract name (lower case), the others as they
        are; a contract name another column is mapped onto hides the column of that name. A mapped
        column the table lacks is missing here (dq_column_problems names it). -#}
    {%- if not execute or not bank_input_exists(table_name) -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set mapped = input_columns_mapped(table_name) -%}
    {%- set contract_name = {} -%}
    {%- for contract_column, own_column in mapped.items() -%}
        {%- do contract_name.update({own_column | lower: contract_column}) -%}
    {%- endfor -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(bank_input_relation(table_name))
        if column.name | lower in contract_name or column.name | lower not in mapped -%}
        {%- set name = contract_name.get(column.name | lower, column.name) -%}
        {%- do columns.append(api.Column(name, column.dtype, column.char_size, column.numeric_precision, column.numeric_scale)) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{% macro bank_input_select(table_name) -%}
    {#- The select list of an input table under the models' names: '*' when nothing is mapped, else every
        column, the mapped ones renamed (client_no as customer_id; a name with capitals quoted as written). -#}
    {%- set mapped = input_columns_mapped(table_name) -%}
    {%- set items = [] -%}
    {%- for column in bank_input_columns(table_name) if mapped -%}
        {%- set own = mapped.get(column.name) -%}
        {%- do items.append(adapter.quote(column.name) if own is none
            else (own if own == own | lower else adapter.quote(own)) ~ ' as ' ~ column.name) -%}
    {%- endfor -%}
    {{ return(items | join(', ') or '*') }}
{%- endmacro %}


{% macro optional_column(available_columns, column_name, data_type) -%}
    {#- The column cast to data_type when the input has it (under its contract name), else a typed null. -#}
    {%- if column_name in available_columns | map(attribute='name') | map('lower') | list -%}
        cast({{ column_name }} as {{ data_type }})
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}


{% macro activity_input_columns() -%}
    {#- Behaviour columns of the customer_activity input: those var activity_columns lists, else every
        numeric column besides the keys. A non-numeric column is reported and left out; a listed
        column that is not a numeric one, or a name that cannot be a feature, stops the run. -#}
    {%- set chosen = var('activity_columns', none) -%}
    {%- set usable = [] -%}
    {%- for column in bank_input_columns('customer_activity') if column.name | lower not in ['customer_id', 'month_date'] -%}
        {%- if not column.is_number() -%}
            {%- do log("customer_activity: column " ~ column.name ~ " (" ~ column.dtype ~ ") is not numeric and is not used as a feature.", info=true) -%}
        {%- elif not modules.re.fullmatch('[a-z][a-z0-9_]{0,40}', column.name | lower) -%}
            {{ exceptions.raise_compiler_error(
                "Input table customer_activity, column '" ~ column.name ~ "': rule 'feature column names are"
                ~ " letters, digits and underscores, starting with a letter, at most 41 characters'."
            ) }}
        {%- elif chosen is none or column.name | lower in chosen | map('lower') -%}
            {%- do usable.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set missing = (chosen or []) | map('lower') | reject('in', usable | map('lower') | list) | list -%}
    {%- if missing and bank_input_exists('customer_activity') and execute -%}
        {{ exceptions.raise_compiler_error(
            "Input table customer_activity, column " ~ missing | join(', ') ~ ": rule 'activity_columns lists"
            ~ " numeric columns' - var activity_columns names it; numeric columns: " ~ usable | join(', ') ~ "."
        ) }}
    {%- endif -%}
    {{ return(usable) }}
{%- endmacro %}


{% macro product_type_written(expression) -%}
    nullif(trim(cast({{ expression }} as {{ dbt.type_string() }})), '') {#- as written, trimmed; null when empty -#}
{%- endmacro %}


{% macro product_type_folded(written) -%}
    {#- A written product type folded towards a name: accents folded (SQL every adapter has, no
        extension), lower case, every other run of characters one '_', none at either end. -#}
    {%- set plain = "translate(replace(replace(replace(lower(" ~ written ~ "), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), '"
        ~ 'àáâãäåāăąçćčďèéêëēĕėęěĝğģĥìíîïĩīĭįĵķĺļľñńņňòóôõöōŏőŕŗřśŝşšţťùúûüũūŭůűųŵýÿŷźżžÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĔĖĘĚĜĞĢĤÌÍÎÏĨĪĬĮĴĶĹĻĽÑŃŅŇÒÓÔÕÖŌŎŐŔŖŘŚŜŞŠŢŤÙÚÛÜŨŪŬŮŰŲŴÝŸŶŹŻŽøØđĐłŁı' ~ "', '"
        ~ 'aaaaaaaaacccdeeeeeeeeeggghiiiiiiiijklllnnnnoooooooorrrssssttuuuuuuuuuuwyyyzzzaaaaaaaaacccdeeeeeeeeeggghiiiiiiiijklllnnnnoooooooorrrssssttuuuuuuuuuuwyyyzzzooddlli' ~ "')" -%}
    {{ regexp_replace_all(regexp_replace_all(plain, '[^a-z0-9]+', '_'), '^_+|_+$', '') }}
{%- endmacro %}


{% macro product_type_name(written, folded) -%}
    {#- The type as it names feature columns: 't_' before a leading digit, 't_' and 8 hex digits of
        its md5 when nothing is left (non-Latin), at most 40 characters. 'Crédit Card (Visa/MC)'
        is credit_card_visa_mc, '7-Eleven card' t_7_eleven_card. -#}
    case
        when {{ written }} is null then null
        when {{ folded }} = '' then 't_' || substr(md5({{ written }}), 1, 8)
        when substr({{ folded }}, 1, 1) between '0' and '9' then substr('t_' || {{ folded }}, 1, 40)
        else substr({{ folded }}, 1, 40)
    end
{%- endmacro %}


{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{- return(adapter.dispatch('regexp_replace_all', 'bank_segmentation')(expression, pattern, replacement)) -}}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro snowflake__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}


{% macro product_types() -%}
    {#- The product types of the clean products, sorted: pivot values read from the products input
        itself (as dbt-utils' get_column_values does) and named as base_bank__products names them,
        so that compile needs only the inputs; [] at parse time. -#}
    {%- if not execute or not bank_input_exists('products') -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select distinct {{ product_type_name('written', product_type_folded('written')) }}
        from (select {{ product_type_written('product_type') }} as written
            from (select {{ bank_input_select('products') }} from {{ bank_input_relation('products') }}) as products
            where product_id is not null) as spelled
        where written is not null
    {%- endset -%}
    {%- set types = [] -%}
    {%- for product_type in run_query(query).columns[0].values() | sort
        if modules.re.fullmatch('[a-z][a-z0-9_]{0,39}', product_type) -%}
        {%- do types.append(product_type) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}
