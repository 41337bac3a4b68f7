{{ config(severity='warn') }}
-- Warns (the run goes on) when the latest scored month, after the reference month, recommends
-- fitting the model again (marts.segment_drift): the reason says which PSI moved.

with drift as (

    select * from {{ ref('segment_drift') }}

)

select
    drift.month_date,
    drift.reason
from drift
where
    drift.refit_recommended
    and drift.month_date = (select max(latest.month_date) from drift as latest)
