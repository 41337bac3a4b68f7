{#- One row describing the fit at the current reference month. -#}

with fits as (

    select * from {{ kmeans_fits() }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

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
        '{{ kmeans_engine() }}' as kmeans_engine
    from fits
    inner join reference on fits.reference_month = reference.reference_month

)

select * from final
