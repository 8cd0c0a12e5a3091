{{
    config(
        location='dimensions/dim_content',
        order_by=['project_id', 'content_type', 'content_id'],
    )
}}

-- Pages (by URL) and videos (by video_id) that appear in the facts, one row each.

with page_views as (
    select * from {{ ref('fact_page_views') }}
),

video_engagement as (
    select * from {{ ref('fact_video_engagement') }}
),

pages as (
    select
        content_key,
        min(project_id) as project_id,
        'page' as content_type,
        min(page_url) as content_id,
        arg_max(page_title, ("timestamp", page_view_id)) as title,
        min(page_host) as page_host,
        min(page_path) as page_path,
        cast(null as double) as video_duration_seconds,
        min("timestamp") as first_seen_at,
        max("timestamp") as last_seen_at,
        count(*) as page_views,
        0 as video_plays,
        0 as video_completions
    from page_views
    group by content_key
),

videos as (
    select
        content_key,
        min(project_id) as project_id,
        'video' as content_type,
        min(video_id) as content_id,
        cast(null as varchar) as title,
        cast(null as varchar) as page_host,
        cast(null as varchar) as page_path,
        max(duration_seconds) as video_duration_seconds,
        min(first_event_at) as first_seen_at,
        max(last_event_at) as last_seen_at,
        0 as page_views,
        sum(plays) as video_plays,
        sum(completes) as video_completions
    from video_engagement
    group by content_key
),

final as (
    select * from pages
    union all by name
    select * from videos
)

select * from final
