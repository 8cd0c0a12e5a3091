with source as (
    select * from {{ lake_source('user_actions') }}
),

renamed as (
    select
        {{ lake_event_envelope() }},
        action,
        target,
        value
    from source
)

select * from renamed
