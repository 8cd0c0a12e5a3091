{{
    config(
        location='aggregates/agg_daily_metrics',
        order_by=['project_id', 'metric_date'],
    )
}}

-- One row per project and UTC day with any activity. Page, session and video figures leave bot
-- traffic out (var exclude_bots_from_metrics), as the dashboards do; API requests and usage are
-- reported by customers' backends, whose User-Agent is rarely a browser's, so they are all kept.

{% set humans_only = 'where not is_bot' if var('exclude_bots_from_metrics') else '' %}

with page_views as (
    select * from {{ ref('fact_page_views') }} {{ humans_only }}
),

sessions as (
    select * from {{ ref('int_sessions') }} {{ humans_only }}
),

video_engagement as (
    select * from {{ ref('fact_video_engagement') }} {{ humans_only }}
),

api_requests as (
    select * from {{ ref('stg_api_requests') }}
),

usage_events as (
    select * from {{ ref('stg_usage_events') }}
),

page_metrics as (
    select
        project_id,
        event_date as metric_date,
        count(*) as page_views,
        count(distinct user_id) as unique_users,
        {{ lake_exact_avg('time_on_page_seconds') }} as avg_time_on_page_seconds
    from page_views
    group by all
),

session_metrics as (
    select
        project_id,
        session_date as metric_date,
        count(*) as sessions,
        count(*) filter (where is_bounce) as bounced_sessions
    from sessions
    group by all
),

video_metrics as (
    select
        project_id,
        event_date as metric_date,
        sum(plays) as video_plays,
        sum(completes) as video_completions,
        {{ lake_exact_sum('watch_time_seconds') }} as video_watch_time_seconds
    from video_engagement
    group by all
),

api_metrics as (
    select
        project_id,
        event_date as metric_date,
        count(*) as api_requests,
        count(*) filter (where is_server_error) as api_server_errors,
        -- nearest rank: an observed duration
        quantile_disc(duration_ms, 0.95) as api_p95_duration_ms
    from api_requests
    group by all
),

usage_per_sku as (
    select
        project_id,
        event_date as metric_date,
        sku,
        unit,
        {{ lake_exact_sum('quantity') }} as quantity,
        count(*) as events
    from usage_events
    group by all
),

usage_metrics as (
    select
        project_id,
        metric_date,
        sum(events) as usage_events,
        list({'sku': sku, 'unit': unit, 'quantity': quantity, 'events': events} order by sku, unit) as usage_by_sku
    from usage_per_sku
    group by all
),

project_days as (
    select project_id, metric_date from page_metrics
    union
    select project_id, metric_date from session_metrics
    union
    select project_id, metric_date from video_metrics
    union
    select project_id, metric_date from api_metrics
    union
    select project_id, metric_date from usage_metrics
),

final as (
    select
        project_id,
        metric_date,
        coalesce(page_views, 0) as page_views,
        coalesce(unique_users, 0) as unique_users,
        coalesce(sessions, 0) as sessions,
        coalesce(bounced_sessions, 0) as bounced_sessions,
        bounced_sessions / nullif(sessions, 0) as bounce_rate,
        avg_time_on_page_seconds,
        coalesce(video_plays, 0) as video_plays,
        coalesce(video_completions, 0) as video_completions,
        coalesce(video_watch_time_seconds, 0) as video_watch_time_seconds,
        coalesce(api_requests, 0) as api_requests,
        coalesce(api_server_errors, 0) as api_server_errors,
        api_server_errors / nullif(api_requests, 0) as api_error_rate,
        api_p95_duration_ms,
        coalesce(usage_events, 0) as usage_events,
        coalesce(usage_by_sku, []) as usage_by_sku
    from project_days
    left join page_metrics using (project_id, metric_date)
    left join session_metrics using (project_id, metric_date)
    left join video_metrics using (project_id, metric_date)
    left join api_metrics using (project_id, metric_date)
    left join usage_metrics using (project_id, metric_date)
)

select * from final
