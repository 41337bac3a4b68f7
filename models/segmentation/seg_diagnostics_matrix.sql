{#- The training customers the k diagnostics are fitted on: all of them up to
    diagnostics_sample, else every n-th customer by id (n the smallest step that keeps at most
    diagnostics_sample). The diagnostics fit KMeans once per k with n_init restarts, and on a
    million customers those fits cost more than the whole scoring; a systematic sample of ids
    is the same on every engine and every rerun. -#}
{%- set sample_size = var_int('diagnostics_sample', 10, 1000000000) %}

with matrix as (

    select * from {{ ref('seg_training_matrix') }}

),

positions as (

    select
        customer_id,
        row_number() over (order by customer_id) - 1 as position_by_id,
        count(*) over () as training_rows
    from matrix

),

sampled as (

    select customer_id
    from positions
    where
        mod(
            position_by_id,
            cast(ceil(cast(training_rows as {{ type_double() }}) / {{ sample_size }}) as {{ dbt.type_bigint() }})
        ) = 0

),

final as (

    select matrix.*
    from matrix
    inner join sampled on matrix.customer_id = sampled.customer_id

)

select * from final
