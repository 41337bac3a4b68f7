{#- Stand-in, to be replaced: the one row that identifies what a fit depends on. fit_key is an
    md5 of the training rows (here only their month and count) and of the fit's vars; the SQL
    KMeans engine keeps its stored rows while the key is unchanged (var refit_model). -#}

with matrix as (

    select * from {{ ref('seg_training_matrix') }}

),

final as (

    select
        max(reference_month) as reference_month,
        md5(
            coalesce(cast(max(reference_month) as {{ dbt.type_string() }}), '')
            || '|' || cast(count(*) as {{ dbt.type_string() }})
            || '|{{ var("n_clusters") }}|{{ var("random_seed") }}|{{ var("n_init") }}|{{ var("max_iter") }}'
            || '|{{ var("diagnostics_k_min") }}|{{ var("diagnostics_k_max") }}'
            || '|{{ var("silhouette_sample") }}|{{ var("diagnostics_sample") }}'
        ) as fit_key
    from matrix

)

select * from final
