{{
    config(
        location='facts/fact_page_views',
        raw_tables=['page_views'],
        order_by=['"timestamp"', 'page_view_id'],
    )
}}

-- Reads the raw hour partitions this run builds (base_page_views, not stg_page_views: the
-- staging view deduplicates over the whole lake, which would read every partition). The same
-- first-copy rule is applied here, within the partitions read and against the event_ids already
-- written elsewhere, so the result equals stg_page_views.

with page_views as (
    select * from {{ ref('base_page_views') }}
    where {{ lake_partitions_to_read() }}
),

first_copies as (
    select * from page_views
    qualify {{ lake_is_first_copy() }}
),

{% if lake_is_incremental() %}
loaded_elsewhere as (
    -- Events already in partitions this run keeps: a copy received later stays out.
    select page_view_id as event_id
    from {{ lake_existing_output() }}
    where not {{ lake_partitions_to_write() }}
),
{% endif %}

new_page_views as (
    select first_copies.*
    from first_copies
    {% if lake_is_incremental() %}
    anti join loaded_elsewhere using (event_id)
    {% endif %}
),

final as (
    select
        event_id as page_view_id,
        project_id,
        session_id,
        user_id,
        case when user_id is not null then {{ lake_key(['project_id', 'user_id']) }} end as user_key,
        {{ lake_key(['project_id', "'page'", 'page_url']) }} as content_key,
        {{ lake_key(['project_id', 'session_id']) }} as session_key,
        "timestamp",
        event_date,
        received_at,
        page_url,
        page_host,
        page_path,
        page_title,
        referrer,
        referrer_host,
        utm_source,
        utm_medium,
        utm_campaign,
        time_on_page_seconds,
        environment,
        app_version,
        country,
        browser,
        os,
        device_type,
        is_bot,
        -- the raw partition the event was received in (the output's hive folders)
        year,
        month,
        day,
        hour
    from new_page_views
)

select * from final
