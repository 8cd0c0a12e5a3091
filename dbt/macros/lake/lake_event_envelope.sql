{#-
  The columns every staged event has, typed and renamed the same way in each base model: the
  event's identity and context, the bot flag, and where the row came from in the lake.
-#}
{% macro lake_event_envelope() -%}
        event_id,
        project_id,
        session_id,
        user_id,
        environment,
        version as app_version,
        "timestamp",
        -- UTC whatever the session's TimeZone: metrics are per UTC day.
        cast(timezone('UTC', "timestamp") as date) as event_date,
        received_at,
        country,
        browser,
        os,
        device_type,
        properties as properties_json,
        -- Bot traffic: ingestion's User-Agent check, or a producer that says so itself.
        coalesce(is_bot, false) or coalesce(device_type = 'bot', false) as is_bot,
        -- The raw hour partition (the UTC hour the file was written) and the row's origin.
        year,
        month,
        day,
        hour,
        filename as source_file,
        file_row_number as source_row_number
{%- endmacro %}
