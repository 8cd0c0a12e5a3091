-- The incremental fact holds exactly the events of the globally deduplicated staging model:
-- building it partition by partition (and against what earlier runs wrote) loses or adds nothing.
with fact as (
    select page_view_id as event_id, "timestamp", page_url, session_id from {{ ref('fact_page_views') }}
),

staged as (
    select event_id, "timestamp", page_url, session_id from {{ ref('stg_page_views') }}
),

only_in_fact as (
    select 'only in fact_page_views' as problem, * from (select * from fact except all select * from staged)
),

only_in_staging as (
    select 'only in stg_page_views' as problem, * from (select * from staged except all select * from fact)
)

select * from only_in_fact
union all
select * from only_in_staging
