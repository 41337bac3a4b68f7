{#- The standardized training matrix: active customers at the reference month. The KMeans
    engines fit on exactly these rows. -#}

with standardized as (

    select * from {{ ref('seg_customer_months_standardized') }}

),

reference as (

    select * from {{ ref('int_reference_month') }}

),

final as (

    select
        standardized.*,
        reference.reference_month
    from standardized
    inner join reference on standardized.month_date = reference.reference_month

)

select * from final
