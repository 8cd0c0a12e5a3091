{#-
  Helpers for models materialized as `lake_parquet` with `raw_tables` (hour-partitioned,
  incremental; macros/materializations/lake_parquet.sql explains the plan).

  A model filters its raw input with `where {{ lake_partitions_to_read() }}` on the hive columns
  year, month, day and hour. The macro renders a marker that is true (every partition), and the
  materialization replaces it, once it has compared the raw listing with what the output records,
  with the list of partitions this run reads, e.g.
  `((year = 2026 and month = 11 and day = 25 and hour = 10) or (...))`, which DuckDB uses to
  skip every other raw file. `lake_partitions_to_write()` is the same for the output partitions
  this run replaces. `dbt compile` and `dbt show` see `true`: the whole lake.
-#}

{% macro lake_partitions_to_read() -%}
  (/* lake:partitions_to_read */ true)
{%- endmacro %}

{% macro lake_partitions_to_write() -%}
  (/* lake:partitions_to_write */ true)
{%- endmacro %}

{#- The model's output folder, from its `location` config, under analytics-processed. -#}
{% macro lake_output_location(location=none) -%}
  {%- set location = location or config.require('location') -%}
  {{- return(lake_processed_root() ~ '/' ~ modules.re.sub('^/+|/+$', '', location)) -}}
{%- endmacro %}

{% macro lake_hive_types() -%}
  hive_types = {'year': INTEGER, 'month': INTEGER, 'day': INTEGER, 'hour': INTEGER}
{%- endmacro %}

{#- The model's existing output, read straight from the lake (not from the DuckDB file's view). -#}
{% macro lake_existing_output() -%}
  read_parquet('{{ lake_output_location() }}/*/*/*/*/data.parquet', hive_partitioning = true, union_by_name = true, {{ lake_hive_types() }})
{%- endmacro %}

{#-
  True when this run adds to existing output: not --full-refresh, and the output folder holds
  files. Decided from the lake itself, so a reset lake (or a deleted DuckDB file) is rebuilt whole.
-#}
{% macro lake_is_incremental() -%}
  {%- if not execute or should_full_refresh() -%}
    {{- return(false) -}}
  {%- endif -%}
  {{- return(lake_files_exist(lake_output_location() ~ '/*/*/*/*/data.parquet')) -}}
{%- endmacro %}

{#-
  The first copy of each event_id wins: the earliest received, then the lake's file order. The
  staging models and the incremental facts use the same rule, so a fact built incrementally
  equals one built from scratch.
-#}
{% macro lake_is_first_copy() -%}
  row_number() over (partition by event_id order by received_at, source_file, source_row_number) = 1
{%- endmacro %}

{#- A stable key from several columns (dbt_utils' surrogate key, without the package). -#}
{% macro lake_key(columns) -%}
  md5(concat_ws(chr(31), {% for column in columns %}coalesce(cast({{ column }} as varchar), chr(0)){{ ", " if not loop.last }}{% endfor %}))
{%- endmacro %}

{#-
  Sums and means of DOUBLE columns that do not depend on the order DuckDB's threads add them up
  in: exact DECIMAL arithmetic (inputs rounded to 9 decimals), then back to DOUBLE. A plain
  sum(double) can differ in the last bit from run to run, which would rewrite an unchanged file
  (lake_parquet compares a hash of the rows) and break "two runs in a row change nothing".
-#}
{% macro lake_exact_sum(expression) -%}
  cast(sum(cast({{ expression }} as decimal(38, 9))) as double)
{%- endmacro %}

{% macro lake_exact_avg(expression) -%}
  cast(avg(cast({{ expression }} as decimal(38, 9))) as double)
{%- endmacro %}
