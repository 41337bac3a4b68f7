{{ config(severity='warn') }}
-- Warns (the run goes on) when a segment is smaller than var min_segment_share of the
-- training customers: an extreme customer may have made a segment of its own.

select warning
from {{ ref('seg_model_summary') }}
where warning is not null
