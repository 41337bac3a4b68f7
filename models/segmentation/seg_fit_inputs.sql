{#- One row: everything a KMeans fit depends on, and fit_key, an md5 of all of it. The fit
    models store fit_key with their rows and reuse a stored fit only when its key is the current
    one (and refit_model is false): the training month, the training rows themselves (the sum
    of a hash per row, whatever order they come in), lookback_months, the model and
    diagnostics vars. Any change refits, the diagnostics with it. -#}
{%- set features = model_feature_names() -%}
{%- set settings = {
    'lookback_months': var_int('lookback_months', 1, 120),
    'n_clusters': var_int('n_clusters', 2, 50),
    'categorical_features': categorical_features() | join(','),
    'n_init': var_int('n_init', 1, 100),
    'max_iter': var_int('max_iter', 1, 10000),
    'random_seed': var_int('random_seed', 0, 2147483647),
    'diagnostics_k_min': var_int('diagnostics_k_min', 2, 50),
    'diagnostics_k_max': var_int('diagnostics_k_max', 2, 50),
    'silhouette_sample': var_int('silhouette_sample', 100, 1000000),
    'diagnostics_sample': var_int('diagnostics_sample', 10, 1000000000),
    'kmeans_sample': var_int('kmeans_sample', 100, 1000000000),
    'kmeans_engine': kmeans_engine(),
} -%}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with matrix as (

    select * from {{ ref('seg_training_matrix') }}

),

row_hashes as (

    select
        reference_month,
        {{ row_hash(['customer_id'] + features) }} as row_hash
    from matrix

),

training as (

    select
        max(reference_month) as reference_month,
        count(*) as training_rows,
        cast(coalesce(sum(row_hash), 0) as {{ dbt.type_string() }}) as training_hash
    from row_hashes

),

final as (

    select
        training.reference_month,
        cast(training.training_rows as {{ dbt.type_int() }}) as training_rows,
        training.training_hash,
        {% for name, value in settings.items() %}
        '{{ value }}' as {{ name }},
        {% endfor %}
        md5(
            coalesce(cast(training.reference_month as {{ dbt.type_string() }}), 'no training month')
            || '|' || cast(training.training_rows as {{ dbt.type_string() }})
            || '|' || training.training_hash
            {% for name, value in settings.items() %}
            || '|{{ name }}={{ value }}'
            {% endfor %}
        ) as fit_key
    from training

)

select * from final
