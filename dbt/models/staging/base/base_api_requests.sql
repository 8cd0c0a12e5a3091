with source as (
    select * from {{ lake_source('api_requests') }}
),

renamed as (
    select
        {{ lake_event_envelope() }},
        method as http_method,
        path as request_path,
        cast(status_code as integer) as status_code,
        duration_ms,
        organization_id,
        -- Server errors, as the hot path counts them (packages/sql apiErrorRates).
        status_code >= 500 as is_server_error
    from source
)

select * from renamed
