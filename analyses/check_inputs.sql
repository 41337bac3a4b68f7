{#- The report of `dbt run-operation check_inputs` (make check-inputs), one line a row: what the
    build will find in each input table, then every problem it would stop or quarantine on, then
    the months reference_date may name. Builds nothing; `dbt compile --select check_inputs` shows
    this SQL. The rules are those of the base models (models/staging/base/), counted rule by
    rule: a row that breaks two rules counts under both, where the build lists it once. -#}
{%- set contract = input_contract() -%}
{%- set rules = {
    'customers': [
        ('null_required_value', 'tier', 'tier is null or customer_since_is_null'),
        ('birth_after_customer_since', 'birth_date', 'birth_date > customer_since'),
    ],
    'products': [
        ('unknown_product_type', 'product_type', 'product_type is null'),
        ('not_a_boolean', 'is_liability', 'is_liability_text is not null and ' ~ dq_boolean('is_liability_text') ~ ' is null'),
    ],
    'product_holdings': [('closed_before_opened', 'closed_on', 'closed_on < opened_on')],
    'balances': [('null_amount', 'balance', 'balance_is_null')],
    'revenues': [('null_amount', 'revenue', 'revenue_is_null')],
} -%}
{%- set checks = {} -%}
{%- set usable = {} -%}
{%- for table_name in contract -%}
{%- set checked = dq_column_problems(table_name) -%}
{%- do checks.update({table_name: checked}) -%}
{%- do usable.update({table_name: checked}) if not checked.problems -%}
{%- endfor -%}
{%- set month_tables = ['balances', 'revenues', 'customer_activity'] | select('in', usable) | list -%}

with
{% for table_name, checked in usable.items() %}
{{ table_name }}_rows as (

    select
        {{ dq_key_text(contract[table_name].key) }} as row_key,
        -- products' optional is_liability (a typed null elsewhere), for rule not_a_boolean
        lower(trim({{ optional_column(bank_input_columns(table_name), 'is_liability', dbt.type_string()) }})) as is_liability_text,
    {%- for column_name, kind in contract[table_name].required.items() %}
        {{ column_name }} is null as {{ column_name }}_is_null,
        {%- if kind == 'text' %}
        nullif(trim(cast({{ column_name }} as {{ dbt.type_string() }})), '') as {{ column_name }}
        {%- elif kind == 'id' %}
        {{ dq_cast(column_name, customer_id_type(), checked.stored_as_text) }} as {{ column_name }}
        {%- elif column_name == 'month_date' %}
        {{ month_end(dq_cast(column_name, 'date', checked.stored_as_text)) }} as {{ column_name }}
        {%- else %}
        {{ dq_cast(column_name, 'date' if kind == 'date' else dbt.type_numeric(), checked.stored_as_text) }} as {{ column_name }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
    from (select {{ bank_input_select(table_name) }} from {{ bank_input(table_name) }}) as input_rows

),
{% endfor %}

data_months as (

    {% for table_name in month_tables %}
    select distinct month_date from {{ table_name }}_rows
    where month_date <= {{ month_end(dq_as_of()) }}
    {{ 'union' if not loop.last }}
    {% endfor %}
    {{ 'select cast(null as date) as month_date where 1 = 0' if not month_tables }}

),
{% if 'balances' in usable %}
-- the data test assert_latest_month_is_complete warns on the same drop, counted there in active
-- customers (holders of an open product) rather than customers with a balance row
balance_months as (

    select
        month_date,
        count(*) as balance_rows,
        count(distinct customer_id) as customers,
        row_number() over (order by month_date desc) as recency
    from balances_rows
    where month_date <= {{ month_end(dq_as_of()) }}
    group by month_date

),

latest_months as (

    select
        latest.month_date,
        latest.balance_rows,
        latest.customers,
        previous.balance_rows as previous_balance_rows,
        previous.customers as previous_customers,
        latest.balance_rows < (1 - {{ var_share('month_drop_warning_share') }}) * previous.balance_rows
        or latest.customers < (1 - {{ var_share('month_drop_warning_share') }}) * previous.customers as is_drop
    from balance_months as latest
    inner join balance_months as previous on previous.recency = 2
    where latest.recency = 1

),
{% endif %}

months as (

    select
        month_date,
        min(month_date) over () as first_month,
        max(month_date) over () as last_month
    from data_months

),

report as (

    {%- for table_name, spec in contract.items() %}
    {%- set order = loop.index * 100 %}
    {%- set relation = bank_input_relation(table_name) %}
    {%- if table_name == 'customer_activity' and not bank_input_exists(table_name) %}
    select {{ order }} as line_order, 'found' as line_kind, 'customer_activity: absent (an optional table: no activity features)' as line_text
    union all
    {%- elif table_name not in usable %}
    {%- for problem in checks[table_name].problems %}
    select {{ order + loop.index }} as line_order, 'stop' as line_kind, '  stop        {{ problem | replace("'", "''") }}' as line_text
    union all
    {%- endfor %}
    {%- else %}
    {%- set columns = bank_input_columns(table_name) %}
    {%- set mapped = input_columns_mapped(table_name) %}
    {%- set names = columns | map(attribute='name') | list %}
    {%- set listed = [] %}
    {%- for column in columns if column.name in spec.required or column.name in spec.optional %}
    {%- do listed.append(column.name ~ (' <- ' ~ mapped[column.name] if column.name in mapped else '') ~ ' (' ~ column.dtype ~ ')') %}
    {%- endfor %}
    select
        {{ order }} as line_order,
        'found' as line_kind,
        '{{ table_name }}: ' || cast(count(*) as {{ dbt.type_string() }}) || ' rows in {{ relation | replace("'", "''") }}' as line_text
    from {{ table_name }}_rows
    union all
    select
        {{ order + 1 }},
        'found' as line_kind,
        '  columns: {{ listed | join(', ') }}{{ '; optional, absent: ' ~ spec.optional | reject('in', names + ['loaded_at']) | join(', ') if spec.optional | reject('in', names + ['loaded_at']) | list }}' as line_text
    {%- if table_name == 'customer_activity' %}
    union all
    select
        {{ order + 8 }},
        'found' as line_kind,
        '  features from: {{ activity_input_columns() | join(', ') or 'no numeric column' }}' as line_text
    {%- endif %}
    union all
    select
        {{ order + 2 }},
        'found' as line_kind,
        '  keys ({{ spec.key | join(', ') }}): ' || cast(count(*) as {{ dbt.type_string() }}) || ' distinct, ' || cast(sum(case when copies > 1 then 1 else 0 end) as {{ dbt.type_string() }}) || ' held by more than one row' as line_text
    from (
        select count(*) as copies from {{ table_name }}_rows
        group by {{ spec.key | join(', ') }}
    ) as key_copies
    {%- for column_name, kind in spec.required.items() if kind == 'date' %}
    union all
    select
        {{ order + 2 + loop.index }},
        'found' as line_kind,
        '  {{ column_name }}: ' || coalesce(cast(min({{ column_name }}) as {{ dbt.type_string() }}) || ' to ' || cast(max({{ column_name }}) as {{ dbt.type_string() }}), 'no date'){{ " || ', ' || cast(count(distinct month_date) as " ~ dbt.type_string() ~ ") || ' months'" if column_name == 'month_date' }} as line_text
    from {{ table_name }}_rows
    {%- endfor %}
    {%- if table_name == 'customers' %}
    union all
    select
        {{ order + 9 }},
        'found' as line_kind,
        '  customer ids: ' || case
            when unfit = 0 then 'all fit customer_id_type {{ customer_id_type() }}'
            else cast(unfit as {{ dbt.type_string() }}) || ' do not fit customer_id_type {{ customer_id_type() }} (quarantined as not_a_number; set customer_id_type: varchar if your ids are not numbers)'
        end as line_text
    from (
        select count(*) as unfit from customers_rows
        where customer_id is null and not customer_id_is_null
    ) as unfit_ids
    {%- elif table_name == 'products' %}
    union all
    select
        {{ order + 9 }},
        'found' as line_kind,
        '  product types: ' || coalesce({{ dbt.listagg('spelling', "', '", 'order by spelling') }}, 'none') as line_text
    from (
        -- products_rows holds product_type as written, trimmed (product_type_written)
        select distinct product_type || ' -> ' || {{ product_type_name('product_type', product_type_folded('product_type')) }} as spelling
        from products_rows
        where product_type is not null
    ) as spellings
    {%- endif %}
    {%- set problems = [('null_key', spec.key | join('+'), spec.key | join('_is_null or ') ~ '_is_null')] %}
    {%- for column_name, kind in spec.required.items() if kind in ['id', 'date', 'number'] %}
    {%- do problems.append(('not_a_date' if kind == 'date' else 'not_a_number', column_name, 'not ' ~ column_name ~ '_is_null and ' ~ column_name ~ ' is null')) %}
    {%- if kind == 'date' %}
    {%- do problems.append(('date_in_future', column_name, column_name ~ ' > ' ~ (month_end(dq_as_of()) if column_name == 'month_date' else dq_as_of()))) %}
    {%- endif %}
    {%- endfor %}
    {%- for parent, column_name in [('customers', 'customer_id'), ('products', 'product_id')]
        if column_name in spec.required and table_name != parent and parent in usable %}
    {%- do problems.append(('orphan_' ~ parent[:-1], column_name, column_name ~ ' is not null and ' ~ column_name ~ ' not in (select ' ~ column_name ~ ' from ' ~ parent ~ '_rows where ' ~ column_name ~ ' is not null)')) %}
    {%- endfor %}
    {%- for rule, column_name, condition in problems + rules.get(table_name, []) %}
    union all
    select
        {{ order + 20 + loop.index }},
        'quarantine' as line_kind,
        '  quarantine  {{ table_name }}.{{ column_name }}: rule {{ rule }}, ' || cast(count(*) as {{ dbt.type_string() }}) || ' row(s), e.g. ' || {{ dbt.listagg('row_key', "', '", 'order by row_key', 5) }} as line_text
    from {{ table_name }}_rows
    where {{ condition }}
    having count(*) > 0
    {%- endfor %}
    union all
    select
        {{ order + 50 }},
        '{{ 'stop' if table_name in ['customers', 'products'] else 'quarantine' }}' as line_kind,
        '  {{ 'stop      ' if table_name in ['customers', 'products'] else 'quarantine' }}  {{ table_name }}.{{ spec.key | join('+') }}: rule {{ 'unique key' if table_name in ['customers', 'products'] else 'duplicate_key' }}, ' || cast(count(*) as {{ dbt.type_string() }}) || ' key(s) held by more than one row, e.g. ' || {{ dbt.listagg('row_key', "', '", 'order by row_key', 5) }} as line_text
    from (
        select min(row_key) as row_key from {{ table_name }}_rows
        where {{ spec.key | join(' is not null and ') }} is not null
        group by {{ spec.key | join(', ') }}
        having count(*) > 1
    ) as duplicated
    having count(*) > 0
    {%- if table_name == 'balances' %}
    union all
    select
        {{ order + 60 }} as line_order,
        case when is_drop then 'warn' else 'found' end as line_kind,
        case when is_drop then '  warn        ' else '  ' end || 'latest month ' || substr(cast(month_date as {{ dbt.type_string() }}), 1, 7)
        || ': ' || cast(balance_rows as {{ dbt.type_string() }}) || ' balance rows and ' || cast(customers as {{ dbt.type_string() }})
        || ' customers with a balance, against ' || cast(previous_balance_rows as {{ dbt.type_string() }}) || ' and '
        || cast(previous_customers as {{ dbt.type_string() }}) || ' the month before'
        || case when is_drop then ': more than month_drop_warning_share fewer, a month loaded half way?' else '' end as line_text
    from latest_months
    {%- endif %}
    {%- if table_name == 'customers' %}
    union all
    select
        {{ order + 51 }},
        'stop' as line_kind,
        '  stop        customers.customer_id: rule no usable customer, no row has a customer id of type {{ customer_id_type() }}' as line_text
    from customers_rows
    having count(customer_id) = 0
    {%- endif %}
    union all
    {%- endif %}
    {%- endfor %}
    select
        900 as line_order,
        'months' as line_kind,
        'reference_date may name: ' || coalesce(
            {{ dbt.listagg("substr(cast(month_date as " ~ dbt.type_string() ~ "), 1, 7) || case when month_date >= " ~ month_end(dbt.dateadd('month', var_int('lookback_months', 1, 120) - 1, 'first_month')) ~ " then '*' else '' end", "', '", 'order by month_date') }}
            || ' (* a full {{ var_int('lookback_months', 1, 120) }}-month lookback); the default: '
            || substr(cast(max(last_month) as {{ dbt.type_string() }}), 1, 7) || ', the latest month (or the month of the model in force)',
            'no month: balances, revenues and customer_activity hold no usable month'
        ) as line_text
    from months

),

summary as (

    select
        999 as line_order,
        'summary' as line_kind,
        'problems: ' || cast(count(case when line_kind = 'stop' then 1 end) as {{ dbt.type_string() }}) || ' would stop the build, '
        || cast(count(case when line_kind = 'quarantine' then 1 end) as {{ dbt.type_string() }}) || ' would quarantine rows, '
        || cast(count(case when line_kind = 'warn' then 1 end) as {{ dbt.type_string() }}) || ' warning(s)' as line_text
    from report

)

select
    line_order,
    line_kind,
    line_text
from report
union all
select
    line_order,
    line_kind,
    line_text
from summary
order by line_order
