{#- Every active customer in every month of history, scored with the model in force: each
    standardized row against every centroid (seg_centroids, one row per segment), the nearest
    kept, ties to the lowest segment id. Incremental on the month: a run scores the months after
    the last one stored and again the last reprocess_months of those; when the model changed (a
    refit, another reference month: another fit_key), no stored row counts and every month is
    scored again. -#}
{{ month_incremental_config(post_hook="{{ delete_removed_customers(ref('stg_bank__customers')) }}") }}
{%- set features = model_feature_names() %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with standardized as (

    select * from {{ ref('seg_customer_months_standardized') }}
    {% if is_incremental() %}
    where month_date > {{ reprocess_after(this, 'fit_key = (select max(fit_key) from ' ~ ref('seg_centroids') ~ ')') }}
    {% endif %}

),

centroid_rows as (

    select * from {{ ref('seg_centroids') }}

),

-- One row per segment, a column per feature; 0 for a feature the model does not use, as in
-- the standardized rows, so it adds nothing to a distance.
centroids as (

    select
        segment_id,
        {% for feature in features %}
        coalesce(max(case when feature = '{{ feature }}' then centroid end), 0) as {{ feature }},
        {% endfor %}
        max(fit_key) as fit_key
    from centroid_rows
    group by segment_id

),

distances as (

    select
        standardized.customer_id,
        standardized.month_date,
        centroids.segment_id,
        centroids.fit_key,
        {% for feature in features %}
        {{ "+ " if not loop.first }}(standardized.{{ feature }} - centroids.{{ feature }}) * (standardized.{{ feature }} - centroids.{{ feature }})
        {% endfor %} as squared_distance
    from standardized
    cross join centroids

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id, month_date
            order by squared_distance, segment_id
        ) as distance_rank
    from distances

),

final as (

    select
        customer_id,
        month_date,
        segment_id,
        sqrt(squared_distance) as distance_to_centroid,
        fit_key,
        {{ this_run_started_at() }} as built_at
    from ranked
    where distance_rank = 1

)

select * from final
