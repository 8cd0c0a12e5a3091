with source as (
    select * from {{ lake_source('video_events') }}
),

renamed as (
    select
        {{ lake_event_envelope() }},
        video_id,
        action as video_action,
        position as position_seconds,
        duration as duration_seconds,
        playback_rate,
        quality,
        buffered as buffered_seconds
    from source
)

select * from renamed
