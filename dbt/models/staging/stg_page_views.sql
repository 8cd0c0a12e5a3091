with events as (
    select * from {{ ref('base_page_views') }}
),

deduplicated as (
    select * from events
    qualify {{ lake_is_first_copy() }}
)

select * from deduplicated
