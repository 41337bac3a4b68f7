-- Month x model feature: how far the month's customers have drifted from the reference month
-- on each feature the model uses. PSI, the population stability index, over the reference
-- month's deciles (equal values share a bin, so tied deciles leave bins empty; a one-hot level
-- has two bins, 0 and 1; an empty bin counts as a share of 1e-4), and the mean shift in
-- standardized units. Age and tenure drift by construction: reported, not used for advice.
{%- set features = model_feature_names() %}
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

labels as (

    select * from {{ ref('seg_feature_labels') }}

),

values_by_feature as (

    {% for feature in features %}
    select
        month_date,
        '{{ feature }}' as feature,
        {{ feature }} as standardized_value
    from standardized
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

used_values as (

    select
        values_by_feature.*,
        -- bins are cut on 9 decimals: a last-bit difference between engines never moves a customer
        cast(values_by_feature.standardized_value as numeric(38, 9)) as binned_value,
        preprocessing.kind
    from values_by_feature
    inner join preprocessing on values_by_feature.feature = preprocessing.feature
    where preprocessing.is_used

),

-- The nine inner deciles of each numeric feature at the reference month.
edges as (

    select
        {% for decile in range(1, 10) %}
        percentile_disc({{ decile / 10 }}) within group (order by used_values.binned_value) as edge_{{ decile }},
        {% endfor %}
        used_values.feature
    from used_values
    inner join reference on used_values.month_date = reference.reference_month
    group by used_values.feature

),

binned as (

    select
        used_values.month_date,
        used_values.feature,
        case
            when used_values.kind = 'one_hot' then case when used_values.standardized_value > 0.5 then 1 else 0 end
            else
            {% for decile in range(1, 10) %}
                {{ "+ " if not loop.first }}case when used_values.binned_value > edges.edge_{{ decile }} then 1 else 0 end
            {% endfor %}
        end as bin_number,
        used_values.standardized_value
    from used_values
    inner join edges on used_values.feature = edges.feature

),

bin_counts as (

    select
        month_date,
        feature,
        bin_number,
        count(*) as customers
    from binned
    group by month_date, feature, bin_number

),

month_totals as (

    select
        month_date,
        feature,
        count(*) as customers,
        {{ exact_avg('standardized_value') }} as mean_value
    from binned
    group by month_date, feature

),

bins as (

    {% for bin_number in range(10) %}
    select {{ bin_number }} as bin_number{{ " union all" if not loop.last }}
    {% endfor %}

),

-- Every bin of every month, empty ones included, as shares floored at 1e-4.
shares as (

    select
        month_totals.month_date,
        month_totals.feature,
        bins.bin_number,
        greatest(coalesce(bin_counts.customers, 0) * 1.0 / month_totals.customers, 1e-4) as bin_share
    from month_totals
    cross join bins
    left join bin_counts
        on
            month_totals.month_date = bin_counts.month_date
            and month_totals.feature = bin_counts.feature
            and bins.bin_number = bin_counts.bin_number

),

psi as (

    select
        shares.month_date,
        shares.feature,
        -- exact decimal sums, so the same input gives the same PSI to the bit
        {{ exact_sum('(shares.bin_share - reference_shares.bin_share) * ln(shares.bin_share / reference_shares.bin_share)') }} as psi
    from shares
    cross join reference
    inner join shares as reference_shares
        on
            shares.feature = reference_shares.feature
            and shares.bin_number = reference_shares.bin_number
            and reference.reference_month = reference_shares.month_date
    group by shares.month_date, shares.feature

),

final as (

    select
        psi.month_date,
        psi.month_date = reference.reference_month as is_reference_month,
        cast(psi.feature as {{ dbt.type_string() }}) as feature,
        labels.feature_label,
        cast(psi.psi as {{ type_double() }}) as psi,
        cast(month_totals.mean_value - reference_totals.mean_value as {{ type_double() }}) as mean_shift,
        -- ages and tenures grow every month: reported, never a reason to refit
        labels.subject not in ('age_years', 'tenure_months') as drives_advice
    from psi
    cross join reference
    inner join month_totals
        on
            psi.month_date = month_totals.month_date
            and psi.feature = month_totals.feature
    inner join month_totals as reference_totals
        on
            psi.feature = reference_totals.feature
            and reference.reference_month = reference_totals.month_date
    inner join labels on psi.feature = labels.feature

)

select * from final
