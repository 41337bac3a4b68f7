{#- Every active customer-month in the model's standardized space: each candidate feature
    transformed, centred and scaled with the stored preprocessing (seg_preprocessing, joined as
    one row); what training and scoring both read. A feature the model does not use is 0, so it
    adds nothing to any distance; a null (unknown income) becomes the training mean, i.e. 0. -#}
{%- set numeric_features = model_numeric_features() -%}
{%- set levels = categorical_levels() %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with features as (

    select * from {{ ref('int_customer_month_features') }}

),

preprocessing as (

    select * from {{ ref('seg_preprocessing') }}

),

-- The parameters as one row, a column per feature; null for a feature the model does not use.
parameters as (

    select
        {% for feature in numeric_features %}
        max(case when feature = 'f_{{ feature.source }}' and is_used then center end) as center_f_{{ feature.source }},
        max(case when feature = 'f_{{ feature.source }}' and is_used then scale end) as scale_f_{{ feature.source }},
        {% endfor %}
        {% for level in levels %}
        max(case when feature = '{{ level.feature }}' and is_used then 1 else 0 end) as uses_{{ level.feature }},
        {% endfor %}
        count(*) as features
    from preprocessing

),

final as (

    select
        {% for feature in numeric_features %}
        coalesce(
            ({{ transformed('features.' ~ feature.source, feature.transform) }} - parameters.center_f_{{ feature.source }})
            / parameters.scale_f_{{ feature.source }},
            cast(0 as {{ type_double() }})
        ) as f_{{ feature.source }},
        {% endfor %}
        {% for level in levels %}
        case
            when
                parameters.uses_{{ level.feature }} = 1
                and coalesce(cast(features.{{ level.source }} as {{ dbt.type_string() }}), 'unknown') = '{{ level.level }}'
                then cast(1 as {{ type_double() }})
            else cast(0 as {{ type_double() }})
        end as {{ level.feature }},
        {% endfor %}
        features.customer_id,
        features.month_date,
        features.built_at
    from features
    cross join parameters
    where features.is_active

)

select * from final
