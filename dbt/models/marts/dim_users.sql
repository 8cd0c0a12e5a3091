{{
    config(
        location='dimensions/dim_users',
        order_by=['project_id', 'user_id'],
    )
}}

-- Identified users (events with a user_id) seen in the facts; anonymous visitors have no row.

with page_views as (
    select * from {{ ref('fact_page_views') }}
    where user_key is not null
),

video_engagement as (
    select * from {{ ref('fact_video_engagement') }}
    where user_key is not null
),

page_activity as (
    select
        user_key,
        min(project_id) as project_id,
        min(user_id) as user_id,
        min("timestamp") as first_seen_at,
        max("timestamp") as last_seen_at,
        count(*) as page_views,
        count(distinct session_id) as page_view_sessions,
        arg_min(country, ("timestamp", page_view_id)) as first_country,
        arg_max(country, ("timestamp", page_view_id)) as last_country,
        arg_max(device_type, ("timestamp", page_view_id)) as last_device_type,
        arg_max(browser, ("timestamp", page_view_id)) as last_browser,
        arg_max(os, ("timestamp", page_view_id)) as last_os,
        bool_and(is_bot) as is_bot
    from page_views
    group by user_key
),

video_activity as (
    select
        user_key,
        min(project_id) as project_id,
        min(user_id) as user_id,
        min(first_event_at) as first_seen_at,
        max(last_event_at) as last_seen_at,
        count(distinct video_id) filter (where plays > 0) as videos_played,
        count(*) filter (where is_completed) as videos_completed,
        {{ lake_exact_sum('watch_time_seconds') }} as video_watch_time_seconds,
        bool_and(is_bot) as is_bot
    from video_engagement
    group by user_key
),

sessions as (
    select user_key, count(distinct session_key) as sessions
    from (
        select user_key, session_key from page_views
        union all
        select user_key, session_key from video_engagement
    )
    group by user_key
),

final as (
    select
        user_key,
        coalesce(p.project_id, v.project_id) as project_id,
        coalesce(p.user_id, v.user_id) as user_id,
        least(p.first_seen_at, v.first_seen_at) as first_seen_at,
        greatest(p.last_seen_at, v.last_seen_at) as last_seen_at,
        s.sessions,
        coalesce(p.page_views, 0) as page_views,
        coalesce(v.videos_played, 0) as videos_played,
        coalesce(v.videos_completed, 0) as videos_completed,
        coalesce(v.video_watch_time_seconds, 0) as video_watch_time_seconds,
        p.first_country,
        p.last_country,
        p.last_device_type,
        p.last_browser,
        p.last_os,
        -- every event of the user was flagged as a bot
        coalesce(p.is_bot, true) and coalesce(v.is_bot, true) as is_bot
    from page_activity as p
    full outer join video_activity as v using (user_key)
    left join sessions as s using (user_key)
)

select * from final
