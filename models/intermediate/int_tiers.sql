-- One row per business tier of the clean customers, in the bank's order: the rank the seed
-- tiers gives it, else after those, by the average income of its customers (where known),
-- else by name. The marts sort tiers by tier_rank, never by name.

with customers as (

    select * from {{ ref('stg_bank__customers') }}

),

seeded as (

    select
        lower(trim(tier)) as tier,
        tier_rank
    from {{ ref('tiers') }}

),

tiers as (

    select
        tier,
        {{ exact_avg('annual_income') }} as avg_annual_income
    from customers
    group by tier

),

final as (

    select
        tiers.tier,
        cast(row_number() over (
            order by seeded.tier_rank nulls last, tiers.avg_annual_income nulls last, tiers.tier
        ) as {{ dbt.type_int() }}) as tier_rank,
        case
            when seeded.tier_rank is not null then 'tiers seed'
            when tiers.avg_annual_income is not null then 'average income'
            else 'name'
        end as ranked_by
    from tiers
    left join seeded on tiers.tier = seeded.tier

)

select * from final
