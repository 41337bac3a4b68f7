{#- The training set: every active customer at the reference month with the raw model
    features (before any transform). -#}
{%- set numeric_features = model_numeric_features() -%}
{%- set categoricals = categorical_features() %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}

with features as (

    select * from {{ ref('int_customer_month_features') }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

final as (

    select
        {% for feature in numeric_features %}
        features.{{ feature.source }},
        {% endfor %}
        {% for column_name in categoricals %}
        features.{{ column_name }},
        {% endfor %}
        features.customer_id,
        reference.reference_month
    from features
    inner join reference on features.month_date = reference.reference_month
    where features.is_active

)

select * from final
