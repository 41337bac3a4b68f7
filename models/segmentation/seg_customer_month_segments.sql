{#- Every active customer in every month of history, scored with the model in force: each
    standardized row against every centroid of seg_centroids, the nearest kept, ties to the
    lowest segment id. The n_clusters centroids are joined as one row, a column per segment
    (in segment id order) and feature: a distance per segment on the same row is four times
    cheaper than a row per customer, month and segment ranked by a window at a million
    customers. Incremental on the month: a run scores the months the features wrote after
    this table was built (new months, restated ones); when the model changed (a refit, another
    reference month: another fit_key), no stored row counts and every month is scored again.
    compute_columns_once: Postgres would otherwise inline each distance into every use (the nearest, the
    second nearest, their ids), which took the scoring of 100,000 customers from 23 s to more
    than 13 minutes. -#}
{{ month_incremental_config(post_hook="{{ delete_removed_customers(ref('base_bank__customer_roster')) }}") }}
{%- set features = model_feature_names() -%}
{%- set segments = range(1, var_int('n_clusters', 2, 50) + 1) %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with standardized as (

    select * from {{ ref('seg_customer_months_standardized') }}
    {% if is_incremental() %}
    where built_at > {{ last_built_at(this, 'fit_key = (select max(fit_key) from ' ~ ref('seg_centroids') ~ ')') }}
    {% endif %}

),

centroid_rows as (

    select
        *,
        dense_rank() over (order by segment_id) as segment_order
    from {{ ref('seg_centroids') }}

),

-- One row: per segment (1 = the lowest id) its id and its centroid, a column per feature; 0
-- for a feature the model does not use, as in the standardized rows.
centroids as (

    select
        {% for segment in segments %}
        max(case when segment_order = {{ segment }} then segment_id end) as segment_id_{{ segment }},
        {% for feature in features %}
        coalesce(max(case when segment_order = {{ segment }} and feature = '{{ feature }}' then centroid end), 0)
            as centroid_{{ segment }}_{{ feature }},
        {% endfor %}
        {% endfor %}
        max(fit_key) as fit_key
    from centroid_rows

),

distances as (

    select
        standardized.customer_id,
        standardized.month_date,
        {% for segment in segments %}
        centroids.segment_id_{{ segment }},
        {% for feature in features %}
        {{ "+ " if not loop.first }}(standardized.{{ feature }} - centroids.centroid_{{ segment }}_{{ feature }})
        * (standardized.{{ feature }} - centroids.centroid_{{ segment }}_{{ feature }})
        {% endfor %} as squared_distance_{{ segment }},
        {% endfor %}
        centroids.fit_key
    from standardized
    cross join centroids
    {{ compute_columns_once() }}

),

nearest as (

    select
        *,
        least({% for segment in segments %}squared_distance_{{ segment }}{{ ", " if not loop.last }}{% endfor %})
            as squared_distance
    from distances
    {{ compute_columns_once() }}

),

-- The nearest centroid, ties to the lowest id, and the second nearest (the nearest other one).
assigned as (

    select
        *,
        case
            {% for segment in segments %}
            when squared_distance_{{ segment }} = squared_distance then segment_id_{{ segment }}
            {% endfor %}
        end as segment_id
    from nearest
    {{ compute_columns_once() }}

),

second_nearest as (

    select
        *,
        least(
            {% for segment in segments %}
            case when segment_id_{{ segment }} = segment_id then cast(1e308 as {{ type_double() }}) else squared_distance_{{ segment }} end
            {{- ", " if not loop.last }}
            {% endfor %}
        ) as second_squared_distance
    from assigned
    {{ compute_columns_once() }}

),

final as (

    select
        customer_id,
        month_date,
        segment_id,
        sqrt(squared_distance) as distance_to_centroid,
        case
            {% for segment in segments %}
            when segment_id_{{ segment }} <> segment_id and squared_distance_{{ segment }} = second_squared_distance
                then segment_id_{{ segment }}
            {% endfor %}
        end as second_segment_id,
        sqrt(second_squared_distance) as distance_to_second_segment,
        -- 1 - d1 / d2: 0 on the boundary between the two, 1 on the centroid itself
        case
            when second_squared_distance > 0 then 1 - sqrt(squared_distance) / sqrt(second_squared_distance)
            else 0
        end as assignment_margin,
        fit_key,
        {{ this_run_started_at() }} as built_at
    from second_nearest

)

select * from final
