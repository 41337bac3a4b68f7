-- segment_k_diagnostics recommends exactly one k, and every stability is an adjusted Rand
-- index (at most 1; a last-bit margin for the division). Rows returned are failures.

with diagnostics as (

    select * from {{ ref('segment_k_diagnostics') }}

),

recommended as (

    select count(*) as recommended_ks
    from diagnostics
    where is_recommended

),

failures as (

    select
        'recommended k count' as failed_rule,
        cast(recommended_ks as {{ type_double() }}) as observed_value
    from recommended
    where recommended_ks != 1

    union all

    select
        'stability above 1 at k = ' || cast(k as {{ dbt.type_string() }}) as failed_rule,
        stability as observed_value
    from diagnostics
    where stability > 1.000000001

)

select * from failures
