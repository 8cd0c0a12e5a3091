with source as (
    select * from {{ lake_source('page_views') }}
),

renamed as (
    select
        {{ lake_event_envelope() }},
        page_url,
        lower(regexp_extract(page_url, '^[a-zA-Z]+://([^/?#:]+)', 1)) as page_host,
        coalesce(nullif(regexp_extract(page_url, '^[a-zA-Z]+://[^/?#]*([^?#]*)', 1), ''), '/') as page_path,
        page_title,
        nullif(referrer, '') as referrer,
        nullif(lower(regexp_extract(referrer, '^[a-zA-Z]+://([^/?#:]+)', 1)), '') as referrer_host,
        utm_source,
        utm_medium,
        utm_campaign,
        time_on_page as time_on_page_seconds
    from source
)

select * from renamed
