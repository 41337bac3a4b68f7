{#- The labels model: every model feature in business words - a label, its unit, its group
    (holdings, balances, revenue, activity, profile, trend, category), its subject (the product type
    or column it is about) and the words for a segment high or low on it. A row of the
    feature_labels seed wins; otherwise the words are made from the product type's label as
    the bank writes it (int_product_types) or from the column's own name, so a bank's own
    product types and activity columns read as words, never as model codes. -#}
{%- set numeric_features = model_numeric_features() -%}
{%- set levels = categorical_levels() %}
-- depends_on: {{ bank_input('products') }}, {{ bank_input('customer_activity') }}, {{ bank_input('customers') }}

with seeded as (

    select * from {{ ref('feature_labels') }}

),

product_types as (

    select * from {{ ref('int_product_types') }}

),

-- The model's features as the compiler lists them, each with the words of its subject.
catalog as (

    {% for feature in numeric_features %}
    select
        'f_{{ feature.source }}' as feature,
        '{{ feature.group }}' as feature_group,
        '{{ feature.subject }}' as subject,
        '{{ feature.subject | replace("_", " ") }}' as subject_words
    {% if not loop.last or levels %}union all{% endif %}
    {% endfor %}
    {% for level in levels %}
    select
        '{{ level.feature }}' as feature,
        'category' as feature_group,
        '{{ level.source }}' as subject,
        '{{ level.source | replace("_", " ") }}: {{ level.level | replace("'", "''") }}' as subject_words
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- A product type reads as the bank writes it, in lower-case words ('(Crédit / Card)' -> 'crédit card').
worded as (

    select
        catalog.feature,
        catalog.feature_group,
        catalog.subject,
        coalesce(product_types.is_liability, false) as is_liability,
        trim({{ regexp_replace_all(
            "translate(lower(coalesce(product_types.product_label, catalog.subject_words)), '_/()[]{}.,;:-', '             ')",
            ' +', ' '
        ) }}) as words
    from catalog
    left join product_types
        on
            catalog.subject = product_types.product_type
            and catalog.feature_group in ('holdings', 'balances')

),

generated as (

    select
        feature,
        feature_group,
        subject,
        is_liability,
        words as subject_words,
        case
            when feature_group = 'holdings' then words || ' products held'
            when feature_group = 'balances' and is_liability then words || ' owed (average)'
            when feature_group = 'balances' then words || ' balance (average)'
            when feature_group = 'revenue' then 'revenue (average)'
            when feature_group = 'activity' then words || ' per month (average)'
            when subject = 'last_activity' then 'months since the last activity'
            when feature_group = 'trend' then words || ' trend (last 3 months against the average)'
            else words
        end as feature_label,
        case
            when feature_group in ('balances', 'revenue') then 'currency'
            when feature_group = 'holdings' then 'products'
            when feature_group = 'activity' then 'per month'
            when feature_group = 'category' then 'share of customers'
            when subject = 'last_activity' then 'months'
            when feature_group = 'trend' then 'relative change'
            else 'value'
        end as unit,
        case
            when feature_group = 'holdings' then words || ' holders'
            when feature_group = 'balances' and is_liability then 'large ' || words || ' debt'
            when feature_group = 'balances' then 'high ' || words
            when feature_group = 'activity' then 'frequent ' || words
            when subject = 'last_activity' then 'lapsing'
            when feature_group = 'trend' then 'rising ' || words
            else 'high ' || words
        end as high_words,
        case
            when feature_group = 'holdings' then 'no ' || words
            when feature_group = 'balances' and is_liability then 'little ' || words || ' debt'
            when feature_group = 'balances' then 'low ' || words
            when feature_group = 'activity' then 'few ' || words
            when subject = 'last_activity' then 'recently active'
            when feature_group = 'trend' then 'falling ' || words
            else 'low ' || words
        end as low_words
    from worded

),

final as (

    select
        generated.feature,
        generated.feature_group,
        generated.subject,
        generated.is_liability,
        generated.subject_words,
        {{ sentence_case('coalesce(seeded.label, generated.feature_label)') }} as feature_label,
        coalesce(seeded.unit, generated.unit) as unit,
        {{ sentence_case('coalesce(seeded.high_words, generated.high_words)') }} as high_words,
        {{ sentence_case('coalesce(seeded.low_words, generated.low_words)') }} as low_words,
        seeded.feature is not null as is_seeded
    from generated
    left join seeded on generated.feature = seeded.feature

)

select * from final
