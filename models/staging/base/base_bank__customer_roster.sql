{#- Every customer id the customers input has held since the first build, and where it
    stands now: clean, quarantined (its row breaks a rule) or removed (no longer in the
    input). The month-grain tables drop, in a post-hook, the stored rows of the few customers
    that are not clean here (macros/incremental.sql): a join to a handful of ids instead of a
    comparison of every stored row with every customer. Incremental on the customer: a run
    writes the customers whose standing changed, and a removed customer stays removed (so a
    run that stopped before the post-hooks is caught up by the next one). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='fail',
) }}

with customers as (

    select * from {{ ref('base_bank__customers') }}

),

standing_now as (

    select
        customer_id,
        case when count(case when dq_rule is null then 1 end) > 0 then 'clean' else 'quarantined' end as standing
    from customers
    where customer_id is not null
    group by customer_id

),

{% if is_incremental() %}
changed as (

    select
        coalesce(standing_now.customer_id, known.customer_id) as customer_id,
        coalesce(standing_now.standing, 'removed') as standing
    from standing_now
    full outer join {{ this }} as known on standing_now.customer_id = known.customer_id
    where known.standing is distinct from coalesce(standing_now.standing, 'removed')

),
{% else %}
changed as (

    select
        customer_id,
        standing
    from standing_now

),
{% endif %}

final as (

    select
        customer_id,
        cast(standing as {{ dbt.type_string() }}) as standing,
        {{ this_run_started_at() }} as changed_at
    from changed

)

select * from final
