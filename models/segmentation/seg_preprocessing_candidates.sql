{#- The fitted preprocessing, stored as data: for each numeric feature its transform and the
    mean and standard deviation (population, as scikit-learn's StandardScaler) after it; for
    each categorical level a 0/1 column, left unscaled. A feature without variance in the
    training set is kept here with is_used = false and the reason, never divided by zero. -#}
{%- set numeric_features = model_numeric_features() -%}
{%- set levels = categorical_levels() %}
{#- Segmenting customers on a protected attribute is what a bank's compliance team will ask about. -#}
{%- for column_name in categorical_features() if execute and column_name in ['gender', 'marital_status'] %}
{%- do exceptions.warn("categorical_features: " ~ column_name ~ " is a protected attribute; segments that use it may"
    ~ " treat customers differently by it, which anti-discrimination rules may forbid (README, Variables).") %}
{%- endfor %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with training as (

    select * from {{ ref('seg_training_features') }}

),

numeric_params as (

    {% for feature in numeric_features %}
    select
        'f_{{ feature.source }}' as feature,
        '{{ feature.source }}' as source_column,
        'numeric' as kind,
        cast(null as {{ dbt.type_string() }}) as level,
        '{{ feature.transform }}' as transform,
        {{ exact_avg(transformed(feature.source, feature.transform)) }} as center,
        -- dividing by the weight: a standardized feature of weight w has standard deviation w
        {{ exact_stddev_pop(transformed(feature.source, feature.transform)) }} / {{ feature.weight }} as scale,
        cast({{ feature.weight }} as {{ type_double() }}) as weight
    from training
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

one_hot_params as (

    {% for level in levels %}
    select
        '{{ level.feature }}' as feature,
        '{{ level.source }}' as source_column,
        'one_hot' as kind,
        '{{ level.level }}' as level,
        'none' as transform,
        cast(0 as {{ type_double() }}) as center,
        -- a level no training customer has stays listed, unused (a scale of 0)
        cast(
            case
                when max(case when coalesce(cast({{ level.source }} as {{ dbt.type_string() }}), 'unknown') = '{{ level.level }}' then 1 else 0 end) = 1
                    then 1
                else 0
            end as {{ type_double() }}
        ) as scale,
        cast(1 as {{ type_double() }}) as weight
    from training
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as feature,
        cast(null as {{ dbt.type_string() }}) as source_column,
        cast(null as {{ dbt.type_string() }}) as kind,
        cast(null as {{ dbt.type_string() }}) as level,
        cast(null as {{ dbt.type_string() }}) as transform,
        cast(null as {{ type_double() }}) as center,
        cast(null as {{ type_double() }}) as scale,
        cast(null as {{ type_double() }}) as weight
    where 1 = 0
    {% endfor %}

),

all_params as (

    select * from numeric_params
    union all
    select * from one_hot_params

),

-- A product type's balance already says whether it is held; its holdings count would weigh
-- the same fact twice. The count stays only for types without balances (e.g. insurance).
redundant as (

    select held.feature
    from all_params as held
    inner join all_params as balance
        on balance.feature = 'f_balance_' || {{ dbt.right('held.feature', dbt.length('held.feature') ~ ' - 16') }} || '_avg'
    where
        left(held.feature, 16) = 'f_products_held_'
        and balance.scale > 1e-12

),

final as (

    select
        all_params.feature,
        all_params.source_column,
        all_params.kind,
        all_params.level,
        all_params.transform,
        cast(all_params.center as {{ type_double() }}) as center,
        cast(all_params.scale as {{ type_double() }}) as scale,
        all_params.weight,
        coalesce(all_params.scale > 1e-12, false) and redundant.feature is null as is_used,
        case
            when all_params.kind = 'one_hot' and all_params.scale = 0 then 'no training customer has this level'
            when not coalesce(all_params.scale > 1e-12, false) then 'zero variance in the training set'
            when redundant.feature is not null then 'redundant with the balance feature of the same product type'
        end as dropped_reason
    from all_params
    left join redundant on all_params.feature = redundant.feature

)

select * from final
