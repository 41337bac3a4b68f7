{#- Every active customer-month in the model's standardized space, with the stored
    preprocessing parameters: what training and scoring both read. -#}
{%- set params = preprocessing_params() %}
-- depends_on: {{ ref('seg_preprocessing') }}

with features as (

    select * from {{ ref('int_customer_month_features') }}

),

final as (

    select
        {% for param in params %}
        {{ standardized(param) }} as {{ param.feature }},
        {% endfor %}
        customer_id,
        month_date
    from features
    where is_active

)

select * from final
