{{
    config(
        location='facts/fact_video_engagement',
        raw_tables=['video_events'],
        lookback_hours=var('session_lookback_hours'),
        order_by=['first_event_at', 'engagement_key'],
    )
}}

-- One row per session and video. A session's player events can be received in different hours,
-- so the row lives in the partition of its first event, and a run re-reads the
-- session_lookback_hours before the partitions it rebuilds (lake_parquet's lookback_hours) to see
-- all of a session's events.

with video_events as (
    select * from {{ ref('base_video_events') }}
    where {{ lake_partitions_to_read() }}
),

first_copies as (
    select * from video_events
    qualify {{ lake_is_first_copy() }}
),

sequenced as (
    select
        *,
        -- where playback had got to at the next event of the same session and video
        lead(position_seconds) over (
            partition by project_id, session_id, video_id
            order by "timestamp", received_at, source_file, source_row_number
        ) as next_position_seconds,
        year * 1000000 + month * 10000 + day * 100 + hour as partition_number
    from first_copies
),

engagements as (
    select
        project_id,
        session_id,
        video_id,
        min(user_id) as user_id,
        min("timestamp") as first_event_at,
        max("timestamp") as last_event_at,
        count(*) as player_events,
        count(*) filter (where video_action = 'play') as plays,
        count(*) filter (where video_action = 'pause') as pauses,
        count(*) filter (where video_action = 'seek') as seeks,
        count(*) filter (where video_action = 'complete') as completes,
        count(*) filter (where video_action = 'error') as errors,
        -- content seconds played: from each play to the position of the next event
        coalesce({{ lake_exact_sum("case when video_action = 'play' then greatest(next_position_seconds - position_seconds, 0) else 0 end") }}, 0) as watch_time_seconds,
        max(position_seconds) as max_position_seconds,
        max(duration_seconds) as duration_seconds,
        bool_or(is_bot) as is_bot,
        min(partition_number) as first_partition_number
    from sequenced
    group by project_id, session_id, video_id
),

final as (
    select
        {{ lake_key(['project_id', 'session_id', 'video_id']) }} as engagement_key,
        project_id,
        session_id,
        {{ lake_key(['project_id', 'session_id']) }} as session_key,
        user_id,
        case when user_id is not null then {{ lake_key(['project_id', 'user_id']) }} end as user_key,
        video_id,
        {{ lake_key(['project_id', "'video'", 'video_id']) }} as content_key,
        first_event_at,
        last_event_at,
        cast(timezone('UTC', first_event_at) as date) as event_date,
        player_events,
        plays,
        pauses,
        seeks,
        completes,
        errors,
        watch_time_seconds,
        max_position_seconds,
        duration_seconds,
        case
            when completes > 0 then 1.0
            when duration_seconds > 0 then least(max_position_seconds / duration_seconds, 1.0)
        end as completion_rate,
        completes > 0 as is_completed,
        is_bot,
        -- the raw partition of the session's first event of this video (the output's hive folders)
        cast(first_partition_number // 1000000 as integer) as year,
        cast(first_partition_number // 10000 % 100 as integer) as month,
        cast(first_partition_number // 100 % 100 as integer) as day,
        cast(first_partition_number % 100 as integer) as hour
    from engagements
)

select * from final
