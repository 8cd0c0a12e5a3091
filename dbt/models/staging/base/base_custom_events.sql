with source as (
    select * from {{ lake_source('custom_events') }}
),

renamed as (
    select
        {{ lake_event_envelope() }},
        name as event_name
    from source
)

select * from renamed
