{#- Every active customer in every month of history, scored with the stored model: the
    nearest centroid, ties to the lowest segment id. Incremental on the month: a run scores
    only the months after the last one stored, unless the model changed (a refit, another
    reference month): every month is then scored again. model_fingerprint tells the two apart. -#}
{{ month_incremental_config() }}
{%- set centroids = centroids_by_segment() -%}
{%- set segment_ids = centroids.keys() | sort -%}
{%- set fingerprint = model_fingerprint(centroids, preprocessing_params()) if execute else '' -%}
{%- set watermark = none -%}
{%- if is_incremental() and stored_fingerprint(this) == fingerprint -%}
{%- set watermark = month_watermark() -%}
{%- endif -%}
{%- do record_months_built(watermark) %}
-- depends_on: {{ ref('seg_centroids') }}, {{ ref('seg_preprocessing') }}

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
    {% if watermark is not none %}
    where month_date > cast('{{ watermark }}' as date)
    {% endif %}

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
        sqrt(squared_distance) as distance_to_centroid,
        cast('{{ fingerprint }}' as {{ dbt.type_string() }}) as model_fingerprint
    from nearest

)

select * from final
