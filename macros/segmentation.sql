{#- The segmentation model's SQL side: which features it uses and how they are transformed,
    standardization with the stored parameters, and nearest-centroid scoring. -#}

{% macro kmeans_engine() -%}
    {#- 'python' (dbt Python model, scikit-learn) where the adapter runs Python models, else 'sql'. -#}
    {%- set default = 'python' if target.type in python_model_adapters() else 'sql' -%}
    {%- set engine = var('kmeans_engine', none) or default -%}
    {%- do raise_var_problems([kmeans_engine_problem(engine)]) -%}
    {{ return(engine) }}
{%- endmacro %}


{% macro python_model_adapters() -%}
    {{ return(['duckdb', 'snowflake', 'bigquery', 'databricks']) }}
{%- endmacro %}


{% macro kmeans_fits() -%}
    {#- The registry of fits of the engine in use. -#}
    {{ return(ref('seg_kmeans_fits') if kmeans_engine() == 'python' else ref('seg_kmeans_fits_sql')) }}
{%- endmacro %}


{% macro k_diagnostics() -%}
    {#- The k diagnostics of the engine in use. -#}
    {{ return(ref('seg_k_diagnostics') if kmeans_engine() == 'python' else ref('seg_k_diagnostics_sql')) }}
{%- endmacro %}


{% macro categorical_features() -%}
    {#- Customer categoricals one-hot encoded into the model (var categorical_features). -#}
    {%- set chosen = var('categorical_features', []) -%}
    {%- do raise_var_problems([categorical_features_problem(chosen)]) -%}
    {{ return(chosen | list) }}
{%- endmacro %}


{% macro model_numeric_features() -%}
    {#- The numeric model features, each with its transform: signed log for money, counts and
        income (heavy tails, signs kept), none for age. Built from the feature columns the data
        has, so other product types or activity columns join the model by themselves. -#}
    {%- set columns = customer_month_feature_columns() -%}
    {%- set features = [] -%}
    {%- for column_name in columns.holdings if column_name.startswith('products_held_')
        and column_name not in ['products_held_total', 'products_held_before_window'] -%}
        {%- do features.append({'source': column_name, 'transform': 'signed_log'}) -%}
    {%- endfor -%}
    {%- for column_name in columns.amounts if column_name.startswith('balance_') and column_name != 'balance_total' -%}
        {%- do features.append({'source': column_name ~ '_avg', 'transform': 'signed_log'}) -%}
    {%- endfor -%}
    {%- do features.append({'source': 'revenue_total_avg', 'transform': 'signed_log'}) -%}
    {%- for column_name in columns.activity -%}
        {%- do features.append({'source': column_name ~ '_avg', 'transform': 'signed_log'}) -%}
    {%- endfor -%}
    {%- do features.extend([
        {'source': 'product_types_held', 'transform': 'signed_log'},
        {'source': 'tenure_months', 'transform': 'signed_log'},
        {'source': 'annual_income', 'transform': 'signed_log'},
        {'source': 'age_years', 'transform': 'none'},
    ]) -%}
    {{ return(features) }}
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


{% macro level_slug(level) -%}
    {#- A categorical level as part of a column name. -#}
    {{ return(modules.re.sub('[^a-z0-9]+', '_', (level | string | lower)).strip('_') or 'blank') }}
{%- endmacro %}


{% macro float_literal(value) -%}
    {#- A stored double written back into SQL without losing a bit: the shortest repr, parsed
        from a string (a numeric literal may pass through a decimal type first). -#}
    cast('{{ value | float }}' as {{ type_double() }})
{%- endmacro %}


{% macro preprocessing_params() -%}
    {#- The used rows of seg_preprocessing, in feature order; [] at parse time. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select feature, source_column, kind, level, transform, center, scale
        from {{ ref('seg_preprocessing') }}
        where is_used
        order by feature
    {%- endset -%}
    {%- set params = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- do params.append({
            'feature': row[0], 'source_column': row[1], 'kind': row[2], 'level': row[3],
            'transform': row[4], 'center': row[5], 'scale': row[6],
        }) -%}
    {%- endfor -%}
    {{ return(params) }}
{%- endmacro %}


{% macro standardized(param) -%}
    {#- One model feature from a features row: transformed, centred and scaled with the stored
        parameters; a null (unknown income) becomes the training mean, i.e. 0. -#}
    {%- if param.kind == 'one_hot' -%}
        case when coalesce(cast({{ param.source_column }} as {{ dbt.type_string() }}), 'unknown') = '{{ param.level }}'
            then {{ float_literal(1) }} else {{ float_literal(0) }} end
    {%- else -%}
        coalesce(
            ({{ transformed(param.source_column, param.transform) }} - {{ float_literal(param.center) }})
            / {{ float_literal(param.scale) }},
            {{ float_literal(0) }}
        )
    {%- endif -%}
{%- endmacro %}


{% macro centroids_by_segment() -%}
    {#- {segment_id: {feature: value}} of the current fit; {} at parse time. -#}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set rows = run_query("select segment_id, feature, centroid from " ~ ref('seg_centroids') ~ " order by segment_id, feature").rows -%}
    {%- set centroids = {} -%}
    {%- for row in rows -%}
        {%- do centroids.setdefault(row[0] | int, {}).update({row[1]: row[2]}) -%}
    {%- endfor -%}
    {{ return(centroids) }}
{%- endmacro %}


{% macro squared_distance(centroid) -%}
    {#- Squared Euclidean distance from a standardized row to one centroid. -#}
    {%- for feature, value in centroid | dictsort %}
    {{ "+ " if not loop.first }}({{ feature }} - {{ float_literal(value) }}) * ({{ feature }} - {{ float_literal(value) }})
    {%- endfor %}
{%- endmacro %}


{% macro feature_words(feature_column) -%}
    {#- Generic words for a model feature: f_balance_savings_avg -> 'balance savings'. -#}
    replace(replace(replace({{ feature_column }}, 'f_', ''), '_avg', ''), '_', ' ')
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
