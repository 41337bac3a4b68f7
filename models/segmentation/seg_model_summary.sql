{#- One row describing the fit at the current reference month, with a warning when a segment
    is smaller than var min_segment_share of the training customers (one extreme customer
    must not make a segment of its own unnoticed). -#}
{%- set min_share = var_share('min_segment_share') %}

with fits as (

    select * from {{ kmeans_fits() }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

segment_sizes as (

    select
        min(fits.cluster_size) as smallest_segment_size,
        sum(case when fits.cluster_size < {{ min_share }} * fits.training_rows then 1 else 0 end) as small_segments
    from (
        select distinct
            segment_id,
            cluster_size,
            training_rows,
            reference_month
        from fits
    ) as fits
    inner join reference on fits.reference_month = reference.reference_month

),

final as (

    select distinct
        fits.fit_number,
        fits.reference_month,
        fits.n_clusters,
        fits.random_seed,
        fits.n_init,
        fits.max_iter,
        fits.training_rows,
        fits.inertia,
        fits.n_iter,
        fits.fitted_at,
        '{{ kmeans_engine() }}' as kmeans_engine,
        cast(segment_sizes.smallest_segment_size as {{ type_double() }}) / fits.training_rows as smallest_segment_share,
        case
            when segment_sizes.small_segments > 0
                then
                    cast(segment_sizes.small_segments as {{ dbt.type_string() }})
                    || ' segment(s) below min_segment_share ({{ min_share }}) of the customers: check for extreme values'
        end as warning
    from fits
    inner join reference on fits.reference_month = reference.reference_month
    cross join segment_sizes

)

select * from final
