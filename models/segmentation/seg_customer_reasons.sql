{#- Why each active customer at the reference month is in its segment rather than the
    second-nearest: per model feature, how much farther the customer is from the second
    centroid than from its own, (x - c2)^2 - (x - c1)^2 in the standardized space (the terms
    of the two squared distances, so they add up to d2^2 - d1^2); the three largest, in
    business words (seg_feature_labels). -#}
{%- set features = model_feature_names() %}
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

-- One row per customer and feature (the matrix unpivoted), with the two segments.
customer_features as (

    {% for feature in features %}
    select
        standardized.customer_id,
        scored.segment_id,
        scored.second_segment_id,
        '{{ feature }}' as feature,
        standardized.{{ feature }} as standardized_value
    from standardized
    inner join scored
        on
            standardized.customer_id = scored.customer_id
            and standardized.reference_month = scored.month_date
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

contributions as (

    select
        customer_features.customer_id,
        customer_features.feature,
        (customer_features.standardized_value - second_centroid.centroid) * (customer_features.standardized_value - second_centroid.centroid)
        - (customer_features.standardized_value - own_centroid.centroid) * (customer_features.standardized_value - own_centroid.centroid)
            as contribution
    from customer_features
    inner join centroids as own_centroid
        on
            customer_features.segment_id = own_centroid.segment_id
            and customer_features.feature = own_centroid.feature
    inner join centroids as second_centroid
        on
            customer_features.second_segment_id = second_centroid.segment_id
            and customer_features.feature = second_centroid.feature

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
