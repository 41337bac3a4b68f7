{#- Why each active customer at the reference month is in its segment rather than the
    second-nearest: per model feature, how much farther the customer is from the second
    centroid than from its own, (x - c2)^2 - (x - c1)^2 in the standardized space (the terms
    of the two squared distances, so they add up to d2^2 - d1^2); the three largest, in
    business words (seg_feature_labels). -#}
{{ reference_month_config() }}
{%- set features = model_feature_names() %}
-- depends_on: {{ ref('seg_reference_inputs') }}, {{ ref('seg_reference_keys') }}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with standardized as (

    select * from {{ ref('seg_training_matrix') }}

),

scored as (

    select * from {{ ref('seg_customer_month_segments') }}

),

centroids as (

    select * from {{ ref('seg_centroids') }}

),

labels as (

    select * from {{ ref('seg_feature_labels') }}

),

-- The reference month's customers with their nearest and second-nearest segments.
reference_customers as (

    select
        standardized.*,
        scored.segment_id,
        scored.second_segment_id
    from standardized
    inner join scored
        on
            standardized.customer_id = scored.customer_id
            and standardized.reference_month = scored.month_date

),

-- One row per customer and feature, with both centroids: the matrix unpivoted along the
-- features of the customer's own centroid.
customer_features as (

    select
        reference_customers.customer_id,
        own_centroid.feature,
        case own_centroid.feature
            {% for feature in features %}
            when '{{ feature }}' then reference_customers.{{ feature }}
            {% endfor %}
        end as standardized_value,
        own_centroid.centroid as own_centroid,
        second_centroid.centroid as second_centroid
    from reference_customers
    inner join centroids as own_centroid on reference_customers.segment_id = own_centroid.segment_id
    inner join centroids as second_centroid
        on
            reference_customers.second_segment_id = second_centroid.segment_id
            and own_centroid.feature = second_centroid.feature
    {{ compute_columns_once() }}

),

contributions as (

    select
        customer_id,
        feature,
        (standardized_value - second_centroid) * (standardized_value - second_centroid)
        - (standardized_value - own_centroid) * (standardized_value - own_centroid) as contribution
    from customer_features

),

ranked as (

    select
        contributions.customer_id,
        contributions.contribution,
        labels.feature_label,
        row_number() over (
            partition by contributions.customer_id order by contributions.contribution desc, contributions.feature asc
        ) as reason_rank
    from contributions
    inner join labels on contributions.feature = labels.feature

),

final as (

    select
        customer_id,
        {{ dbt.listagg('feature_label', "'; '", 'order by reason_rank') }} as top_reasons
    from ranked
    where reason_rank <= 3
    group by customer_id

)

select * from final
{{ reference_inputs_changed() }}
