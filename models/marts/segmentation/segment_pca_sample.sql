-- A 2-D view of the segments: a sample of at most var('method_sample') customers on the first
-- two principal components of the model's features (seg_pca_sample, the Python engine), with
-- their segment at the reference month, for a scatter coloured by segment. The SQL engine runs
-- no Python model: there this mart holds one row whose note says so.

{% if kmeans_engine() == 'python' -%}
with projected as (

    select * from {{ ref('seg_pca_sample') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

final as (

    select
        segments.customer_id,
        segments.segment_id,
        segments.segment_name,
        cast(projected.pc1 as {{ type_double() }}) as pc1,
        cast(projected.pc2 as {{ type_double() }}) as pc2,
        cast(projected.pc1_variance_share as {{ type_double() }}) as pc1_variance_share,
        cast(projected.pc2_variance_share as {{ type_double() }}) as pc2_variance_share,
        segments.reference_month,
        cast(null as {{ dbt.type_string() }}) as note
    from projected
    inner join segments on projected.customer_id = segments.customer_id

)
{%- else -%}
with final as (

    select
        cast(null as {{ customer_id_type() }}) as customer_id,
        cast(null as {{ dbt.type_int() }}) as segment_id,
        cast(null as {{ dbt.type_string() }}) as segment_name,
        cast(null as {{ type_double() }}) as pc1,
        cast(null as {{ type_double() }}) as pc2,
        cast(null as {{ type_double() }}) as pc1_variance_share,
        cast(null as {{ type_double() }}) as pc2_variance_share,
        cast(null as date) as reference_month,
        cast(
            'Not computed: the SQL KMeans engine runs no Python model (kmeans_engine sql, the default on Postgres)'
            as {{ dbt.type_string() }}
        ) as note

)
{%- endif %}

select * from final
