-- How strongly each model feature separates the segments: the between-segment share of its
-- variance on the training rows (1 - within-segment / total sum of squares), ranked.
{{ reference_month_config() }}
{%- set features = model_feature_names() %}
-- depends_on: {{ ref('seg_reference_inputs') }}, {{ ref('seg_reference_keys') }}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with matrix as (

    select * from {{ ref('seg_training_matrix') }}

),

scored as (

    select * from {{ ref('seg_customer_month_segments') }}

),

preprocessing as (

    select * from {{ ref('seg_preprocessing') }}

),

labelled as (

    select
        matrix.*,
        scored.segment_id
    from matrix
    inner join scored
        on
            matrix.customer_id = scored.customer_id
            and matrix.month_date = scored.month_date

),

segment_stats as (

    select
        {% for feature in features %}
        {{ exact_avg(feature) }} as mean_{{ feature }},
        {% endfor %}
        segment_id,
        count(*) as customers
    from labelled
    group by segment_id

),

overall_stats as (

    select
        {% for feature in features %}
        {{ exact_avg(feature) }} as mean_{{ feature }},
        {{ exact_stddev_pop(feature) }} as sd_{{ feature }},
        {% endfor %}
        count(*) as customers
    from labelled

),

shares as (

    {% for feature in features %}
    select
        '{{ feature }}' as feature,
        {{ exact_sum('segment_stats.customers * power(segment_stats.mean_' ~ feature ~ ' - overall_stats.mean_' ~ feature ~ ', 2)') }}
        / nullif(max(overall_stats.customers * power(overall_stats.sd_{{ feature }}, 2)), 0) as importance
    from segment_stats
    cross join overall_stats
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        -- varchar, the contract's type: Postgres's type_string() is text, which an incremental
        -- run (reference_month_config) would take for a change of the table's columns.
        cast(shares.feature as varchar) as feature,
        cast(preprocessing.source_column as varchar) as source_column,
        cast(preprocessing.kind as varchar) as feature_kind,
        cast(labels.feature_label as varchar) as feature_label,
        cast(shares.importance as {{ type_double() }}) as importance,
        cast(row_number() over (order by shares.importance desc, shares.feature asc) as {{ dbt.type_int() }}) as importance_rank
    from shares
    inner join preprocessing on shares.feature = preprocessing.feature
    inner join {{ ref('seg_feature_labels') }} as labels on shares.feature = labels.feature
    where preprocessing.is_used

)

select * from final
{{ reference_inputs_changed() }}
