{#- The centroids of the fit at the current reference month, in the standardized space. -#}

with fits as (

    select * from {{ kmeans_fits() }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

final as (

    select
        cast(fits.segment_id as {{ dbt.type_int() }}) as segment_id,
        fits.feature,
        fits.centroid,
        fits.fit_key
    from fits
    inner join reference on fits.reference_month = reference.reference_month

)

select * from final
