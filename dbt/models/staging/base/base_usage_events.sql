with source as (
    select * from {{ lake_source('usage_events') }}
),

renamed as (
    select
        {{ lake_event_envelope() }},
        organization_id,
        sku,
        quantity,
        unit
    from source
)

select * from renamed
