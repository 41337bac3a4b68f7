{#- A name and a one-sentence description per segment, in business words (seg_feature_labels).
    Automatic names come from the numeric features whose standardized centroid deviates most
    in the fit in which the segment first appeared, so a segment keeps its name across refits;
    a part is used only when it holds for most of the segment's customers at the reference
    month (above the mean for a high part, below for a low one); activity features that stand
    out the same way read as one part; one part per product type or column; no word repeats
    across parts; at most three parts. A row in the segment_names seed wins. -#}

with fits as (

    select * from {{ kmeans_fits() }}

),

labels as (

    select * from {{ ref('seg_feature_labels') }}

),

stats as (

    select * from {{ ref('seg_segment_feature_stats') }}

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

candidates as (

    select
        fits.segment_id,
        fits.feature,
        fits.centroid,
        labels.feature_group,
        labels.subject,
        labels.subject_words,
        labels.feature_label,
        labels.unit,
        stats.raw_mean,
        stats.share_nonzero,
        case when fits.centroid > 0 then labels.high_words else labels.low_words end as words,
        case when fits.centroid > 0 then stats.share_above_mean else stats.share_below_mean end as share_holding
    from fits
    inner join first_fit
        on
            fits.segment_id = first_fit.segment_id
            and fits.fit_number = first_fit.fit_number
    inner join labels on fits.feature = labels.feature
    inner join stats
        on
            fits.segment_id = stats.segment_id
            and fits.feature = stats.feature
    -- one-hot levels name no segment: numeric features only
    where labels.feature_group <> 'category'

),

holding as (

    select
        *,
        case when centroid > 0 then 'high' else 'low' end as direction,
        row_number() over (partition by segment_id order by abs(centroid) desc, feature) as deviation_rank
    from candidates
    where share_holding > 0.5

),

-- Two or more activity features standing out the same way read as one part.
activity_groups as (

    select
        segment_id,
        direction
    from holding
    where feature_group = 'activity'
    group by segment_id, direction
    having count(*) >= 2

),

merged as (

    select
        holding.segment_id,
        holding.feature,
        holding.deviation_rank,
        holding.feature_group,
        holding.subject_words,
        holding.feature_label,
        holding.unit,
        holding.raw_mean,
        holding.share_nonzero,
        case
            when activity_groups.direction = 'high' then 'Very active'
            when activity_groups.direction = 'low' then 'Rarely active'
            else holding.words
        end as words,
        case when activity_groups.segment_id is null then holding.subject else 'activity' end as subject
    from holding
    left join activity_groups
        on
            holding.segment_id = activity_groups.segment_id
            and holding.direction = activity_groups.direction
            and holding.feature_group = 'activity'

),

-- One part per product type or column (a mortgage count and a mortgage balance say one thing).
one_per_subject as (

    select *
    from (
        select
            *,
            row_number() over (partition by segment_id, subject order by deviation_rank) as subject_rank
        from merged
    ) as ranked
    where subject_rank = 1

),

part_words as (

    {{ words_of('one_per_subject', ['segment_id', 'deviation_rank'], 'words') }}

),

-- A part sharing a word with a better-ranked one is left out ('High savings', 'High income').
repeating as (

    select distinct
        later.segment_id,
        later.deviation_rank
    from part_words as later
    inner join part_words as earlier
        on
            later.segment_id = earlier.segment_id
            and later.word = earlier.word
            and later.deviation_rank > earlier.deviation_rank

),

overall as (

    select
        feature,
        sum(raw_mean * customers) / sum(customers) as raw_mean
    from stats
    group by feature

),

parts as (

    select
        one_per_subject.segment_id,
        one_per_subject.words,
        row_number() over (partition by one_per_subject.segment_id order by one_per_subject.deviation_rank) as part_rank,
        case
            when one_per_subject.feature_group = 'holdings'
                then {{ percent('one_per_subject.share_nonzero') }} || ' hold ' || one_per_subject.subject_words
            else
                one_per_subject.feature_label || ' ' || {{ rounded_text('one_per_subject.raw_mean', 'one_per_subject.unit') }}
                || ' (all customers ' || {{ rounded_text('overall.raw_mean', 'one_per_subject.unit') }} || ')'
        end as figure
    from one_per_subject
    inner join overall on one_per_subject.feature = overall.feature
    where not exists (
        select 1 from repeating
        where
            repeating.segment_id = one_per_subject.segment_id
            and repeating.deviation_rank = one_per_subject.deviation_rank
    )

),

automatic as (

    select
        segment_id,
        {{ dbt.listagg('words', "' · '", 'order by part_rank') }} as automatic_name,
        {{ dbt.listagg('figure', "'; '", 'order by part_rank') }} || '.' as automatic_description
    from parts
    where part_rank <= 3
    group by segment_id

),

deduplicated as (

    -- two segments must not share a name: the later ones get their id appended
    select
        current_segments.segment_id,
        coalesce(automatic.automatic_description, 'No feature sets this segment apart for most of its customers.')
            as automatic_description,
        case
            when automatic.automatic_name is null then 'Typical customers (' || cast(current_segments.segment_id as {{ dbt.type_string() }}) || ')'
            when count(*) over (partition by automatic.automatic_name) > 1
                then automatic.automatic_name || ' (' || cast(current_segments.segment_id as {{ dbt.type_string() }}) || ')'
            else automatic.automatic_name
        end as automatic_name
    from current_segments
    left join automatic on current_segments.segment_id = automatic.segment_id

),

final as (

    select
        deduplicated.segment_id,
        coalesce(overrides.segment_name, deduplicated.automatic_name) as segment_name,
        coalesce(overrides.description, deduplicated.automatic_description) as segment_description,
        deduplicated.automatic_name,
        overrides.segment_name is not null as is_user_named
    from deduplicated
    left join overrides on deduplicated.segment_id = overrides.segment_id

)

select * from final
