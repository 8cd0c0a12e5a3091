-- Built from fact_page_views (Parquet in analytics-processed), not from the raw lake, so that a
-- normal run reads only the raw partitions the incremental facts add.

with page_views as (
    select * from {{ ref('fact_page_views') }}
),

sessions as (
    select
        session_key,
        project_id,
        session_id,
        min(user_id) as user_id,
        min("timestamp") as started_at,
        max("timestamp") as last_page_view_at,
        -- the session ends when its last page is left
        max("timestamp" + to_microseconds(cast(coalesce(time_on_page_seconds, 0) * 1000000 as bigint))) as ended_at,
        count(*) as page_views,
        count(distinct page_url) as unique_pages,
        {{ lake_exact_sum('time_on_page_seconds') }} as time_on_pages_seconds,
        arg_min(page_url, ("timestamp", page_view_id)) as landing_page_url,
        arg_max(page_url, ("timestamp", page_view_id)) as exit_page_url,
        arg_min(referrer, ("timestamp", page_view_id)) as referrer,
        arg_min(utm_source, ("timestamp", page_view_id)) as utm_source,
        arg_min(utm_medium, ("timestamp", page_view_id)) as utm_medium,
        arg_min(utm_campaign, ("timestamp", page_view_id)) as utm_campaign,
        arg_min(country, ("timestamp", page_view_id)) as country,
        arg_min(device_type, ("timestamp", page_view_id)) as device_type,
        bool_or(is_bot) as is_bot
    from page_views
    group by session_key, project_id, session_id
),

final as (
    select
        *,
        cast(timezone('UTC', started_at) as date) as session_date,
        epoch(ended_at - started_at) as duration_seconds,
        -- a single-page visit
        page_views = 1 as is_bounce
    from sessions
)

select * from final
