{#- A name per segment. Automatic: from the two or three numeric features whose standardized
    centroid deviates most, taken from the fit in which the segment first appeared, so a
    segment keeps its name across refits. A row in the segment_names seed wins. -#}

with fits as (

    select * from {{ kmeans_fits() }}

),

labels as (

    select * from {{ ref('feature_labels') }}

),

overrides as (

    select * from {{ ref('segment_names') }}

),

current_segments as (

    select distinct segment_id from {{ ref('seg_centroids') }}

),

first_fit as (

    select
        segment_id,
        min(fit_number) as fit_number
    from fits
    group by segment_id

),

ranked as (

    select
        fits.segment_id,
        fits.feature,
        fits.centroid,
        replace(replace(replace(fits.feature, 'f_', ''), '_avg', ''), '_', ' ') as feature_words,
        row_number() over (
            partition by fits.segment_id
            order by abs(fits.centroid) desc, fits.feature
        ) as deviation_rank
    from fits
    inner join first_fit
        on
            fits.segment_id = first_fit.segment_id
            and fits.fit_number = first_fit.fit_number
    -- one-hot columns (f_<column>__<level>) make poor names; numeric features only
    where {{ dbt.position("'__'", 'fits.feature') }} = 0

),

worded as (

    select
        ranked.segment_id,
        ranked.deviation_rank,
        ranked.feature,
        ranked.centroid,
        -- a feature the labels seed does not know reads as its name: f_balance_savings_avg -> balance savings
        case
            when ranked.centroid > 0 then coalesce(labels.high_label, 'High ' || ranked.feature_words)
            else coalesce(labels.low_label, 'Low ' || ranked.feature_words)
        end as words
    from ranked
    left join labels on ranked.feature = labels.feature
    where ranked.deviation_rank <= 3

),

automatic as (

    select
        segment_id,
        {{ dbt.listagg('words', "' · '", 'order by deviation_rank') }} as automatic_name,
        -- two decimals via numeric(18, 2): a bare numeric is an integer type on Snowflake
        {{ dbt.listagg("feature || ' ' || cast(cast(centroid as numeric(18, 2)) as " ~ dbt.type_string() ~ ")", "', '", 'order by deviation_rank') }}
            as distinguishing_features
    from worded
    group by segment_id

),

deduplicated as (

    -- two segments must not share a name: the later ones get their id appended
    select
        segment_id,
        distinguishing_features,
        case
            when count(*) over (partition by automatic_name) > 1
                then automatic_name || ' (' || cast(segment_id as {{ dbt.type_string() }}) || ')'
            else automatic_name
        end as automatic_name
    from automatic

),

final as (

    select
        current_segments.segment_id,
        coalesce(overrides.segment_name, deduplicated.automatic_name) as segment_name,
        coalesce(
            overrides.description,
            'Automatic name; stands out on: ' || deduplicated.distinguishing_features
        ) as segment_description,
        deduplicated.automatic_name,
        overrides.segment_name is not null as is_user_named
    from current_segments
    left join deduplicated on current_segments.segment_id = deduplicated.segment_id
    left join overrides on current_segments.segment_id = overrides.segment_id

)

select * from final
