with events as (
    select * from {{ ref('base_usage_events') }}
),

deduplicated as (
    select * from events
    qualify {{ lake_is_first_copy() }}
)

select * from deduplicated
