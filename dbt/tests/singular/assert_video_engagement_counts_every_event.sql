-- fact_video_engagement counts each deduplicated player event exactly once (stg_video_events),
-- per session and video: nothing lost or counted twice across partitions and incremental runs.
with engagement as (
    select project_id, session_id, video_id, player_events, plays, completes
    from {{ ref('fact_video_engagement') }}
),

staged as (
    select
        project_id,
        session_id,
        video_id,
        count(*) as player_events,
        count(*) filter (where video_action = 'play') as plays,
        count(*) filter (where video_action = 'complete') as completes
    from {{ ref('stg_video_events') }}
    group by all
)

select *
from engagement
full outer join staged using (project_id, session_id, video_id)
where engagement.player_events is distinct from staged.player_events
   or engagement.plays is distinct from staged.plays
   or engagement.completes is distinct from staged.completes
