{#- Model diagnostics over the k range computed in SQL (kmeans_engine = 'sql'): the Python engine's
    columns plus fit_key, on the same customers (seg_diagnostics_matrix). The kmeans materialization
    (macros/materializations/kmeans.sql) fits every k and keeps the stored rows while fit_key is
    unchanged (var refit_model); this select computes, for each k below the customer count, the
    inertia, Davies-Bouldin and Calinski-Harabasz from the fit (segment and feature sums in the order
    today's engine added them, so the bits are the same), the silhouette on the first
    silhouette_sample customers by md5 of id and seed (mean distances as exact decimals), the
    smallest segment's share, and the stability: the adjusted Rand index between the segments of
    the fit and of the runner-up restart (restart_rank 2), over every customer. -#}
{%- set k_values = range(var_int('diagnostics_k_min', 2, 50), var_int('diagnostics_k_max', 2, 50) + 1) | list -%}
{{ config(
    materialized='kmeans',
    kmeans_matrix='seg_diagnostics_matrix',
    kmeans_k=k_values,
    fit_inputs='seg_fit_inputs',
    enabled=kmeans_engine() == 'sql',
) }}
{%- set features = kmeans_features(ref('seg_diagnostics_matrix')) -%}
{%- set k_max = k_values | max -%}
{%- set sample_size = var_int('silhouette_sample', 100, 1000000) -%}
{%- set members = 'cast(fits.cluster_size as ' ~ type_double() ~ ')' %}

with matrix as (

    select * from {{ ref('seg_diagnostics_matrix') }}

),

fit_inputs as (

    select * from {{ ref('seg_fit_inputs') }}

),

fits as (

    select * from {{ kmeans_work('fits') }}
    where restart_rank = 1

),

sizes as (

    select count(*) as fitted_customers from matrix

),

-- per k, the mean of the customers from the fit: members times centroid, over the customers
overall as (

    select
        {% for f in features %}
        ({{ kmeans_segment_sum(members ~ ' * fits.' ~ f, k_max) }}) / sizes.fitted_customers as {{ f }},
        {% endfor %}
        fits.k
    from fits
    cross join sizes
    group by fits.k, sizes.fitted_customers

),

dispersion as (

    select
        fits.k,
        {{ kmeans_segment_sum(members ~ ' * (' ~ kmeans_each(features, 'power(fits.{f} - overall.{f}, 2)', ' + ') ~ ')', k_max) }}
            as between_groups
    from fits
    inner join overall on fits.k = overall.k
    group by fits.k

),

separations as (

    select
        own.k,
        own.segment,
        coalesce(own.spread, 0) + coalesce(other.spread, 0) as spreads,
        {{ kmeans_each(features, 'power(own.{f} - other.{f}, 2)', ' + ') }} as apart
    from fits as own
    inner join fits as other on own.k = other.k and own.segment != other.segment

),

worst_ratios as (

    select
        k,
        segment,
        coalesce(max(case when apart > 0 then spreads / power(apart, 0.5) end), 0) as worst_ratio
    from separations
    group by k, segment

),

davies_bouldin as (

    select
        k,
        ({{ kmeans_segment_sum('worst_ratio', k_max) }}) / k as davies_bouldin
    from worst_ratios
    group by k

),

sampled as (

    select *
    from (
        select
            matrix.*,
            row_number() over (
                order by md5(cast(matrix.customer_id as {{ dbt.type_string() }}) || ':{{ var_int("random_seed", 0, 2147483647) }}'), matrix.customer_id
            ) as draw
        from matrix
    ) as ordered
    where draw <= {{ sample_size }}

),

-- every customer's segment in the fit and in the runner-up restart, by k: the nearest centroid,
-- ties to the lowest segment, with the distances as the fit computed them (kmeans_nearest)
restart_labels as (

    {% for k in k_values %}
    select
        {{ k }} as k,
        restart as restart_rank,
        customer_id,
        segment
    from (
        {{ kmeans_nearest(ref('seg_diagnostics_matrix'), '(select restart_rank as restart, segment, '
            ~ features | join(', ') ~ ' from ' ~ kmeans_work('fits') ~ ' where k = ' ~ k ~ ')', features, k) }}
    ) as labelled_{{ k }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

labels as (

    select
        restart_labels.k,
        restart_labels.customer_id,
        restart_labels.segment
    from restart_labels
    inner join sampled on restart_labels.customer_id = sampled.customer_id
    where restart_labels.restart_rank = 1

),

pair_distances as (

    select
        own.customer_id,
        other.customer_id as other_customer_id,
        cast(
            sqrt({{ kmeans_each(features, '(own.{f} - other.{f}) * (own.{f} - other.{f})', ' + ') }}) as numeric(38, 12)
        ) as distance
    from sampled as own
    inner join sampled as other on own.customer_id != other.customer_id
    {{ compute_columns_once() }}

),

mean_distances as (

    select
        own.k,
        own.customer_id,
        own.segment as own_segment,
        other.segment as other_segment,
        {{ exact_avg('pair_distances.distance') }} as mean_distance
    from pair_distances
    inner join labels as own on pair_distances.customer_id = own.customer_id
    inner join labels as other on own.k = other.k and pair_distances.other_customer_id = other.customer_id
    group by own.k, own.customer_id, own.segment, other.segment

),

per_customer as (

    select
        k,
        customer_id,
        max(case when own_segment = other_segment then mean_distance end) as within_segment,
        min(case when own_segment != other_segment then mean_distance end) as nearest_other
    from mean_distances
    group by k, customer_id

),

silhouettes as (

    select
        k,
        {{ exact_avg('case when within_segment is null then 0 else (nearest_other - within_segment)'
            ~ ' / greatest(within_segment, nearest_other) end') }} as silhouette
    from per_customer
    group by k

),

-- one row per k and customer with both segments: an aggregate, not a self-join
customer_pairs as (

    select
        k,
        customer_id,
        max(case when restart_rank = 1 then segment end) as fit_segment,
        max(case when restart_rank = 2 then segment end) as runner_up_segment
    from restart_labels
    group by k, customer_id

),

contingency as (

    select
        k,
        fit_segment,
        runner_up_segment,
        count(*) as customers
    from customer_pairs
    where runner_up_segment is not null
    group by k, fit_segment, runner_up_segment

),

-- pairs of customers in one segment: in both fits, in the fit, in the runner-up, and all pairs
pair_counts as (

    select
        together.k,
        together.in_both,
        fit_pairs.in_fit,
        runner_up_pairs.in_runner_up,
        together.customers * (together.customers - 1) / 2 as all_pairs
    from (
        select
            k,
            sum(customers * (customers - 1) / 2) as in_both,
            sum(customers) as customers
        from contingency
        group by k
    ) as together
    inner join (
        select
            k,
            sum(members * (members - 1) / 2) as in_fit
        from (select k, sum(customers) as members from contingency group by k, fit_segment) as per_segment
        group by k
    ) as fit_pairs on together.k = fit_pairs.k
    inner join (
        select
            k,
            sum(members * (members - 1) / 2) as in_runner_up
        from (select k, sum(customers) as members from contingency group by k, runner_up_segment) as per_segment
        group by k
    ) as runner_up_pairs on together.k = runner_up_pairs.k

),

-- adjusted Rand index: (index - expected) / (maximum - expected), 1 when the two agree by construction
stabilities as (

    select
        k,
        case
            when (in_fit + in_runner_up) / 2.0 = in_fit * in_runner_up / all_pairs then 1.0
            else
                (in_both - in_fit * in_runner_up / all_pairs)
                / ((in_fit + in_runner_up) / 2.0 - in_fit * in_runner_up / all_pairs)
        end as stability
    from (
        select
            k,
            cast(in_both as {{ type_double() }}) as in_both,
            cast(in_fit as {{ type_double() }}) as in_fit,
            cast(in_runner_up as {{ type_double() }}) as in_runner_up,
            cast(all_pairs as {{ type_double() }}) as all_pairs
        from pair_counts
    ) as counted

),

fit_totals as (

    select
        k,
        inertia,
        min(cluster_size) as smallest_segment
    from fits
    group by k, inertia

),

final as (

    select
        cast(fit_totals.k as {{ dbt.type_int() }}) as k,
        fit_totals.inertia,
        silhouettes.silhouette,
        davies_bouldin.davies_bouldin,
        (dispersion.between_groups / (fit_totals.k - 1))
        / (fit_totals.inertia / (sizes.fitted_customers - fit_totals.k)) as calinski_harabasz,
        cast(stabilities.stability as {{ type_double() }}) as stability,
        cast(fit_totals.smallest_segment as {{ type_double() }}) / sizes.fitted_customers as smallest_segment_share,
        cast(least({{ sample_size }}, sizes.fitted_customers) as {{ dbt.type_int() }}) as silhouette_sample_size,
        cast(sizes.fitted_customers as {{ dbt.type_int() }}) as fitted_customers,
        fit_inputs.reference_month,
        cast(fit_inputs.fit_key as {{ dbt.type_string() }}) as fit_key
    from fit_totals
    inner join dispersion on fit_totals.k = dispersion.k
    inner join davies_bouldin on fit_totals.k = davies_bouldin.k
    left join silhouettes on fit_totals.k = silhouettes.k
    -- no runner-up with a single restart (n_init 1): no stability
    left join stabilities on fit_totals.k = stabilities.k
    cross join sizes
    cross join fit_inputs
    where fit_totals.k < sizes.fitted_customers

)

select * from final
