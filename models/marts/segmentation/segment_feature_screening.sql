-- Are the features fit to use? Per numeric model feature: its variance before scaling, its
-- largest absolute correlation with another model feature, and its variance inflation factor
-- (the one-hot levels of each category but its most frequent in the regression), each flagged
-- where the usual thresholds would drop it: variance below 0.01, |r| above 0.8, VIF above 10.
-- Reported, not applied. The SQL engine runs no Python model: there one row says so.

{% if kmeans_engine() == 'python' -%}
with checks as (

    select * from {{ ref('seg_model_checks') }}

),

summary as (

    select * from {{ ref('seg_model_summary') }}

),

labels as (

    select * from {{ ref('seg_feature_labels') }}

),

flagged as (

    select
        checks.*,
        checks.variance_before_scaling < 0.01 as is_low_variance,
        checks.max_abs_correlation > 0.8 as is_highly_correlated,
        checks.vif > 10 as is_high_vif
    from checks
    inner join summary on checks.reference_month = summary.reference_month
    where checks.check_kind = 'feature'

),

final as (

    select
        cast(flagged.item as {{ dbt.type_string() }}) as feature,
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
        cast(flagged.fitted_customers as {{ dbt.type_int() }}) as fitted_customers,
        cast(flagged.reference_month as date) as reference_month,
        cast(null as {{ dbt.type_string() }}) as note
    from flagged
    inner join labels on flagged.item = labels.feature
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
        cast(null as {{ dbt.type_int() }}) as fitted_customers,
        cast(null as date) as reference_month,
        cast(
            'Not computed: the SQL KMeans engine runs no Python model (kmeans_engine sql, the default on Postgres)'
            as {{ dbt.type_string() }}
        ) as note

)
{%- endif %}

select * from final
