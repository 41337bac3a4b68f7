{#- Every active customer in every month of history, scored with the stored model: the
    nearest centroid, ties to the lowest segment id. -#}
{%- set centroids = centroids_by_segment() -%}
{%- set segment_ids = centroids.keys() | sort %}
-- depends_on: {{ ref('seg_centroids') }}

with standardized as (

    select * from {{ ref('seg_customer_months_standardized') }}

),

distances as (

    select
        {% for segment_id in segment_ids %}
        {{ squared_distance(centroids[segment_id]) }} as squared_distance_{{ segment_id }},
        {% endfor %}
        customer_id,
        month_date
    from standardized

),

nearest as (

    select
        {% for segment_id in segment_ids %}
        squared_distance_{{ segment_id }},
        {% endfor %}
        least({% for segment_id in segment_ids %}squared_distance_{{ segment_id }}{{ ", " if not loop.last }}{% endfor %})
            as squared_distance,
        customer_id,
        month_date
    from distances

),

final as (

    select
        customer_id,
        month_date,
        case
            {% for segment_id in segment_ids %}
            when squared_distance_{{ segment_id }} = squared_distance then {{ segment_id }}
            {% endfor %}
        end as segment_id,
        sqrt(squared_distance) as distance_to_centroid
    from nearest

)

select * from final
