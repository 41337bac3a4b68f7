-- Month x model feature: how far the month's customers have drifted from the reference month
-- on each feature the model uses. PSI, the population stability index, over the reference
-- month's deciles (seg_feature_deciles; an empty bin counts as a share of 1e-4), and the mean
-- shift in standardized units. Age and tenure drift by construction: reported, not used for advice.
-- Incremental on the month: a run measures the months from the first one the scoring wrote
-- since this mart's last build (seg_history_builds; after a refit, every month), and the
-- reference month they are measured against; every month when the deciles were written again
-- since (another reference distribution) or a stored month no longer counts the customers
-- scored (a customer removed from the input).
{{ month_incremental_config(post_hook=history_build_hooks()) }}
{%- set features = model_feature_names() %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}
-- depends_on: {{ ref('seg_customer_month_segments') }}, {{ ref('seg_history_builds') }}

with reference as (

    select * from {{ ref('int_reference_month') }}

),

{% if is_incremental() %}
scored_since_last_build as (

    {{ scored_since_last_build() }}

),

stored_months as (

    select
        month_date,
        max(customers) as customers
    from {{ this }}
    group by month_date

),

scored_months as (

    select
        month_date,
        count(*) as customers
    from {{ ref('seg_customer_month_segments') }}
    group by month_date

),

recounted as (

    select count(*) as stored_months
    from stored_months
    left join scored_months on stored_months.month_date = scored_months.month_date
    where scored_months.customers is null or scored_months.customers <> stored_months.customers

),

-- deciles written since the last build: every month is measured against other bins
deciles_rewritten as (

    select count(*) as deciles
    from {{ ref('seg_feature_deciles') }}
    where built_at > {{ last_history_build() }}

),

measured_from as (

    select
        case
            when recounted.stored_months > 0 or deciles_rewritten.deciles > 0 then cast('1900-01-01' as date)
            else scored_since_last_build.first_month
        end as first_month
    from scored_since_last_build
    cross join recounted
    cross join deciles_rewritten

),
{% endif %}

standardized as (

    select * from {{ ref('seg_customer_months_standardized') }}
    {% if is_incremental() %}
    where
        month_date >= (select measured_from.first_month from measured_from)
        or month_date = (select reference.reference_month from reference)
    {% endif %}

),

deciles as (

    select * from {{ ref('seg_feature_deciles') }}

),

labels as (

    select * from {{ ref('seg_feature_labels') }}

),

-- One row per customer-month and used feature, with its deciles: the standardized months read
-- once, each used feature's column picked by a case.
values_by_feature as (

    select
        deciles.*,
        standardized.month_date,
        case deciles.feature
            {% for feature in features %}
            when '{{ feature }}' then standardized.{{ feature }}
            {% endfor %}
        end as standardized_value
    from standardized
    cross join deciles

),

binned as (

    select
        month_date,
        feature,
        case
            when kind = 'one_hot' then case when standardized_value > 0.5 then 1 else 0 end
            else
            {% for decile in range(1, 10) %}
                {{ "+ " if not loop.first }}case when binned_value > edge_{{ decile }} then 1 else 0 end
            {% endfor %}
        end as bin_number,
        standardized_value
    from (
        select
            *,
            -- bins are cut on 9 decimals, as the deciles (seg_feature_deciles)
            cast(standardized_value as numeric(38, 9)) as binned_value
        from values_by_feature
        {{ compute_columns_once() }}
    ) as with_binned_values

),

-- Customers per month, feature and bin, with the exact decimal sum of their values.
bin_counts as (

    select
        month_date,
        feature,
        bin_number,
        count(*) as customers,
        sum(cast(standardized_value as numeric(38, 12))) as value_sum
    from binned
    group by month_date, feature, bin_number

),

month_totals as (

    select
        month_date,
        feature,
        sum(customers) as customers,
        cast(sum(value_sum) / sum(customers) as {{ type_double() }}) as mean_value
    from bin_counts
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
        -- varchar, the contract's type: Postgres's type_string() is text, which an incremental
        -- run would take for a change of the table's columns.
        cast(psi.feature as varchar) as feature,
        cast(labels.feature_label as varchar) as feature_label,
        cast(month_totals.customers as {{ dbt.type_int() }}) as customers,
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
