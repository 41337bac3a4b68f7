-- Are the features fit to use? Per numeric model feature: its variance before scaling, its
-- largest absolute correlation with another model feature, and its variance inflation factor
-- (the one-hot levels of each category but its most frequent in the regression), each flagged
-- where the usual thresholds would drop it: variance below 0.01, |r| above 0.8, VIF above 10;
-- and what the stepwise screening drops (one feature at a time, the figures computed again),
-- which the model leaves out only with var feature_screening apply (is_dropped). The SQL engine
-- runs no Python model: there one row says so.

{% if kmeans_engine() == 'python' -%}
with screening as (

    select * from {{ ref('seg_feature_screening') }}

),

preprocessing as (

    select * from {{ ref('seg_preprocessing') }}

),

labels as (

    select * from {{ ref('seg_feature_labels') }}

),

flagged as (

    select
        screening.*,
        screening.variance_before_scaling < 0.01 as is_low_variance,
        screening.max_abs_correlation > 0.8 as is_highly_correlated,
        screening.vif > 10 as is_high_vif,
        not preprocessing.is_used as is_dropped
    from screening
    inner join preprocessing on screening.feature = preprocessing.feature

),

final as (

    select
        cast(flagged.feature as {{ dbt.type_string() }}) as feature,
        labels.feature_label,
        cast(flagged.variance_before_scaling as {{ type_double() }}) as variance_before_scaling,
        cast(flagged.max_abs_correlation as {{ type_double() }}) as max_abs_correlation,
        cast(flagged.most_correlated_feature as {{ dbt.type_string() }}) as most_correlated_feature,
        correlated_labels.feature_label as most_correlated_label,
        cast(flagged.vif as {{ type_double() }}) as vif,
        flagged.is_low_variance,
        flagged.is_highly_correlated,
        flagged.is_high_vif,
        flagged.is_low_variance or flagged.is_highly_correlated or flagged.is_high_vif as would_drop,
        cast(flagged.screening_drops as boolean) as screening_drops,
        cast(flagged.screening_step as {{ dbt.type_int() }}) as screening_step,
        cast(flagged.screening_reason as {{ dbt.type_string() }}) as screening_reason,
        flagged.is_dropped,
        cast(flagged.fitted_customers as {{ dbt.type_int() }}) as fitted_customers,
        cast(flagged.reference_month as date) as reference_month,
        cast(null as {{ dbt.type_string() }}) as note
    from flagged
    inner join labels on flagged.feature = labels.feature
    left join labels as correlated_labels on flagged.most_correlated_feature = correlated_labels.feature

)
{%- else -%}
with final as (

    select
        cast(null as {{ dbt.type_string() }}) as feature,
        cast(null as {{ dbt.type_string() }}) as feature_label,
        cast(null as {{ type_double() }}) as variance_before_scaling,
        cast(null as {{ type_double() }}) as max_abs_correlation,
        cast(null as {{ dbt.type_string() }}) as most_correlated_feature,
        cast(null as {{ dbt.type_string() }}) as most_correlated_label,
        cast(null as {{ type_double() }}) as vif,
        cast(null as boolean) as is_low_variance,
        cast(null as boolean) as is_highly_correlated,
        cast(null as boolean) as is_high_vif,
        cast(null as boolean) as would_drop,
        cast(null as boolean) as screening_drops,
        cast(null as {{ dbt.type_int() }}) as screening_step,
        cast(null as {{ dbt.type_string() }}) as screening_reason,
        cast(null as boolean) as is_dropped,
        cast(null as {{ dbt.type_int() }}) as fitted_customers,
        cast(null as date) as reference_month,
        cast(
            'Not computed: the SQL KMeans engine runs no Python model (kmeans_engine sql, the default on Postgres)'
            as {{ dbt.type_string() }}
        ) as note

)
{%- endif %}

select * from final
