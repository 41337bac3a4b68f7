-- The reference month's distribution of each used model feature, what feature_drift measures
-- every month against: the nine inner deciles of its standardized value, cut on 9 decimals so
-- that a last-bit difference between engines never moves a customer (equal values share a
-- bin, so tied deciles leave bins empty). A one-hot level has two bins, 0 and 1: its deciles
-- are stored and never read.
{{ reference_month_config() }}
{%- set features = model_feature_names() %}
-- depends_on: {{ ref('seg_reference_inputs') }}, {{ ref('seg_reference_keys') }}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with standardized as (

    select * from {{ ref('seg_customer_months_standardized') }}

),

preprocessing as (

    select * from {{ ref('seg_preprocessing') }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

used_features as (

    select
        feature,
        kind
    from preprocessing
    where is_used

),

-- One row per customer and used feature at the reference month.
reference_values as (

    select
        used_features.feature,
        used_features.kind,
        cast(
            case used_features.feature
                {% for feature in features %}
                when '{{ feature }}' then standardized.{{ feature }}
                {% endfor %}
            end as numeric(38, 9)
        ) as binned_value
    from standardized
    inner join reference on standardized.month_date = reference.reference_month
    cross join used_features

),

final as (

    select
        cast(feature as {{ dbt.type_string() }}) as feature,
        {% for decile in range(1, 10) %}
        percentile_disc({{ decile / 10 }}) within group (order by binned_value) as edge_{{ decile }},
        {% endfor %}
        cast(kind as {{ dbt.type_string() }}) as kind,
        -- when written: feature_drift measures every month again after the deciles change
        {{ this_run_started_at() }} as built_at
    from reference_values
    group by feature, kind

)

select * from final
{{ reference_inputs_changed() }}
