{#-
  `{{ lake_source('page_views') }}`: the raw table as `source('lake', ...)` renders it
  (read_parquet over its hive folders, see models/staging/__sources.yml), or, while the table has
  no file at all, an empty relation with the table's columns: DuckDB's read_parquet fails on a
  glob that matches nothing ("No files found"), and a project may never send, say, video events.
-#}
{% macro lake_source(table) -%}
  {%- set relation = source('lake', table) -%}
  {%- if execute and not lake_files_exist(lake_raw_folder(table) ~ '/*/*/*/*/*.parquet') -%}
    {{- log('lake: no files in ' ~ lake_raw_folder(table) ~ '/ yet; ' ~ table ~ ' reads as an empty table', info=True) -}}
    {{- return(lake_empty_raw_table(table)) -}}
  {%- endif -%}
  {{- return(relation) -}}
{%- endmacro %}

{#- Whether any file matches a glob (one LIST request on S3). -#}
{% macro lake_files_exist(pattern) -%}
  {%- set result = run_query("select count(*) from glob('" ~ pattern ~ "')") -%}
  {{- return(result.columns[0].values()[0] > 0) -}}
{%- endmacro %}

{#-
  The columns of each raw table, in file order, with their DuckDB types: the zod schemas' lake
  columns (packages/event-schema `lakeColumns`; tests/dbt.test.ts checks that these match), the
  hive partition columns, and read_parquet's filename / file_row_number.
-#}
{% macro lake_raw_columns(table) -%}
  {%- set envelope = [
    ('type', 'varchar'), ('event_id', 'varchar'), ('timestamp', 'timestamptz'), ('session_id', 'varchar'),
    ('user_id', 'varchar'), ('project_id', 'varchar'), ('environment', 'varchar'), ('version', 'varchar'),
    ('country', 'varchar'), ('browser', 'varchar'), ('os', 'varchar'), ('device_type', 'varchar'),
    ('properties', 'varchar'), ('channel', 'varchar'), ('platform', 'varchar'), ('received_at', 'timestamptz'), ('is_bot', 'boolean'),
  ] -%}
  {%- set own = {
    'page_views': [('page_url', 'varchar'), ('page_title', 'varchar'), ('referrer', 'varchar'), ('utm_source', 'varchar'),
                   ('utm_medium', 'varchar'), ('utm_campaign', 'varchar'), ('time_on_page', 'double')],
    'video_events': [('video_id', 'varchar'), ('action', 'varchar'), ('position', 'double'), ('duration', 'double'),
                     ('playback_rate', 'double'), ('quality', 'varchar'), ('buffered', 'double')],
    'user_actions': [('action', 'varchar'), ('target', 'varchar'), ('value', 'varchar')],
    'api_requests': [('method', 'varchar'), ('path', 'varchar'), ('status_code', 'bigint'), ('duration_ms', 'double'),
                     ('organization_id', 'varchar')],
    'usage_events': [('organization_id', 'varchar'), ('sku', 'varchar'), ('quantity', 'double'), ('unit', 'varchar')],
    'custom_events': [('name', 'varchar')],
  } -%}
  {%- if table not in own -%}
    {{ exceptions.raise_compiler_error("lake_raw_columns: unknown raw table '" ~ table ~ "'") }}
  {%- endif -%}
  {%- set hive = [('year', 'integer'), ('month', 'integer'), ('day', 'integer'), ('hour', 'integer'),
                  ('filename', 'varchar'), ('file_row_number', 'bigint')] -%}
  {{- return(envelope + own[table] + hive) -}}
{%- endmacro %}

{% macro lake_empty_raw_table(table) -%}
  (select
  {%- for name, type in lake_raw_columns(table) %}
    cast(null as {{ type }}) as "{{ name }}"{{ "," if not loop.last }}
  {%- endfor %}
  where false)
{%- endmacro %}
