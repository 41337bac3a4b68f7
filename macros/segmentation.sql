{#- The segmentation model's SQL side: which features it uses and how they are transformed,
    standardization with the stored parameters, and nearest-centroid scoring. -#}

{% macro kmeans_engine() -%}
    {#- 'python' (dbt Python model, scikit-learn) where the adapter runs Python models, else 'sql'. -#}
    {%- set engine = var('kmeans_engine', none) or default_kmeans_engine() -%}
    {%- do raise_var_problems([kmeans_engine_problem(engine)]) -%}
    {{ return(engine) }}
{%- endmacro %}


{% macro default_kmeans_engine() -%}
    {{ return('python' if target.type in ['duckdb', 'snowflake', 'bigquery', 'databricks'] else 'sql') }}
{%- endmacro %}


{% macro kmeans_fits() -%}
    {#- The registry of fits of the engine in use. -#}
    {{ return(ref('seg_kmeans_fits') if kmeans_engine() == 'python' else ref('seg_kmeans_fits_sql')) }}
{%- endmacro %}


{% macro categorical_features() -%}
    {#- Customer categoricals one-hot encoded into the model (var categorical_features). -#}
    {%- set chosen = var('categorical_features', []) -%}
    {%- do raise_var_problems([categorical_features_problem(chosen)]) -%}
    {{ return(chosen | list) }}
{%- endmacro %}


{% macro model_numeric_features() -%}
    {#- The numeric model features, each with its transform (signed log for money, counts and
        income: heavy tails, signs kept; none for age), its weight, its group (holdings, balances, revenue,
        activity, profile; trend with var trend_features) and subject (the product type or activity column, for labels). Built
        from the feature columns the data has, so other product types or activity columns join
        the model by themselves. -#}
    {%- set columns = customer_month_feature_columns() -%}
    {%- set features = [] -%}
    {%- for group, template in [('holdings', 'products_held_{}'), ('balances', 'balance_{}_avg')] -%}
        {%- for product_type in columns.product_types -%}
            {%- do features.append({'source': template.format(product_type), 'group': group, 'subject': product_type}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do features.append({'source': 'revenue_total_avg', 'group': 'revenue', 'subject': 'revenue'}) -%}
    {%- for column_name in columns.activity_inputs -%}
        {%- do features.append({'source': 'activity_' ~ column_name ~ '_avg', 'group': 'activity', 'subject': column_name}) -%}
    {%- endfor -%}
    {%- for source in ['product_types_held', 'tenure_months', 'annual_income', 'age_years'] -%}
        {%- do features.append({'source': source, 'group': 'profile', 'subject': source}) -%}
    {%- endfor -%}
    {%- if trend_features() -%}
        {%- for column_name in columns.trended -%}
            {%- set subject = {'balance_assets': 'assets', 'balance_liabilities': 'liabilities', 'revenue_total': 'revenue'}
                .get(column_name, column_name[9:]) -%}
            {%- do features.append({'source': column_name ~ '_trend', 'group': 'trend', 'subject': subject}) -%}
        {%- endfor -%}
        {%- do features.append({'source': 'months_since_last_activity', 'group': 'trend', 'subject': 'last_activity'}) -%}
    {%- endif -%}
    {#- The trend features weigh as one feature together (each 1/sqrt(n) of a standardized feature):
        they inform the segmentation without outvoting what customers hold and do (docs/design.md). -#}
    {%- set trends = features | selectattr('group', 'equalto', 'trend') | list | length -%}
    {%- for feature in features -%}
        {%- do feature.update({
            'transform': 'none' if feature.source == 'age_years' else 'signed_log',
            'weight': 1 / trends ** 0.5 if feature.group == 'trend' else 1,
        }) -%}
    {%- endfor -%}
    {{ return(features) }}
{%- endmacro %}


{% macro trend_features() -%}
    {#- var trend_features: whether the trends and months since the last activity are model features. -#}
    {{ return(var_flag('trend_features')) }}
{%- endmacro %}


{% macro categorical_levels() -%}
    {#- The one-hot model features: one per level of each categorical_features column, the levels
        read from the customers input itself (pivot values, as dbt-utils' get_column_values),
        normalised as staging does, with 'unknown' for a missing value; [] at parse time. A level
        no training customer has is kept in seg_preprocessing with is_used = false. -#}
    {%- set levels = [] -%}
    {%- if not execute -%}
        {{ return(levels) }}
    {%- endif -%}
    {%- set available = bank_input_columns('customers') | map(attribute='name') | map('lower') | list -%}
    {%- for column_name in categorical_features() -%}
        {%- set values = ['unknown'] -%}
        {%- if column_name in available -%}
            {%- set query -%}
                select distinct coalesce(lower(trim(cast({{ column_name }} as {{ dbt.type_string() }}))), 'unknown')
                from (select {{ bank_input_select('customers') }} from {{ bank_input_relation('customers') }}) as customers
            {%- endset -%}
            {%- set values = run_query(query).columns[0].values() -%}
        {%- endif -%}
        {%- for level in values | unique | sort -%}
            {%- set slug = modules.re.sub('[^a-z0-9]+', '_', level).strip('_') or 'blank' -%}
            {%- do levels.append({'feature': 'f_' ~ column_name ~ '__' ~ slug, 'source': column_name, 'level': level}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(levels) }}
{%- endmacro %}


{% macro model_feature_names() -%}
    {#- Every candidate model feature column (f_...), sorted: numeric and one-hot. -#}
    {%- set names = [] -%}
    {%- for feature in model_numeric_features() -%}
        {%- do names.append('f_' ~ feature.source) -%}
    {%- endfor -%}
    {%- for level in categorical_levels() -%}
        {%- do names.append(level.feature) -%}
    {%- endfor -%}
    {{ return(names | sort) }}
{%- endmacro %}


{% macro signed_log(expression) -%}
    {#- sign(x) * ln(1 + |x|): compresses heavy tails, keeps the sign of overdrafts and loans. -#}
    (sign({{ expression }}) * ln(1 + abs({{ expression }})))
{%- endmacro %}


{% macro transformed(source_column, transform) -%}
    {%- if transform == 'signed_log' -%}
        {{ signed_log('cast(' ~ source_column ~ ' as ' ~ type_double() ~ ')') }}
    {%- else -%}
        cast({{ source_column }} as {{ type_double() }})
    {%- endif -%}
{%- endmacro %}


{% macro exact_avg(expression) -%}
    {#- Mean via an exact decimal sum. A parallel sum of doubles may add in any order and
        differ in the last bit from run to run; the model must not. -#}
    cast(avg(cast({{ expression }} as numeric(38, 12))) as {{ type_double() }})
{%- endmacro %}


{% macro exact_stddev_pop(expression) -%}
    {#- Population standard deviation from exact decimal sums (see exact_avg). -#}
    sqrt(greatest(
        {{ exact_avg('(' ~ expression ~ ') * (' ~ expression ~ ')') }}
        - {{ exact_avg(expression) }} * {{ exact_avg(expression) }},
        0
    ))
{%- endmacro %}


{% macro exact_sum(expression) -%}
    {#- Sum via exact decimals (see exact_avg). -#}
    cast(sum(cast({{ expression }} as numeric(38, 12))) as {{ type_double() }})
{%- endmacro %}


{% macro log_dropped_features(relation) -%}
    {#- Post-hook of seg_preprocessing: say in the run log which features the model leaves out and why. -#}
    {%- if execute -%}
        {%- set rows = run_query("select feature, dropped_reason from " ~ relation ~ " where not is_used order by feature").rows -%}
        {%- for row in rows -%}
            {%- do log("seg_preprocessing: feature " ~ row[0] ~ " is not used: " ~ row[1] ~ ".", info=true) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{% macro row_hash(columns) -%}
    {#- A 64-bit hash of a row's columns (a list of names) as a number, to add up over rows: a
        sum does not depend on the order the rows come in. Engines differ, so does the
        function; each is stable. -#}
    {{ return(adapter.dispatch('row_hash', 'bank_segmentation')(columns)) }}
{%- endmacro %}


{% macro default__row_hash(columns) -%}
    {#- DuckDB's and Snowflake's hash() of the values themselves (no text to build: 60 times
        faster on a million rows), below 1e18 so that unsigned and signed both fit. -#}
    cast(hash({{ columns | join(', ') }}) % 1000000000000000000 as numeric(38, 0))
{%- endmacro %}


{% macro postgres__row_hash(columns) -%}
    cast(('x' || substr(md5(cast(row({{ columns | join(', ') }}) as text)), 1, 15))::bit(60)::bigint as numeric(38, 0))
{%- endmacro %}
