{#-
  lake_parquet: a model whose data lives as Parquet in analytics-processed (README "The
  lake (R2)"); the DuckDB file only gets a view that reads it back.

  config:
    location    folder under analytics-processed, e.g. 'facts/fact_page_views' (required)
    raw_tables  raw tables whose hour partitions drive the model (e.g. ['page_views']): makes it
                hour-partitioned and incremental; without it the model is one file, rebuilt each run
    lookback_hours  (partitioned) rows may combine events received up to this many hours apart
                (a session's video events): partitions this far before the earliest changed one are
                re-read and rewritten too (default 0)
    order_by    the sort order of the rows in each file (default: all columns)

  Partitioned models write one file per raw hour partition,
  `<location>/year=YYYY/month=MM/day=DD/hour=HH/data.parquet`, whose rows come from that partition
  (the model returns the columns year, month, day, hour to say which). The file's key-value
  metadata records the raw files it was built from (`lake_source_files`) and a hash of its rows
  (`lake_content_hash`). A run:
    1. lists the raw partitions (one LIST per raw table) and the output files;
    2. picks the partitions to (re)build: those without output, and, among those received in the
       last `lake_recheck_hours` (dbt_project.yml), those whose raw file list changed (new files in
       the current hour; compaction); every partition on --full-refresh or when there is no output;
    3. when there is nothing to do, reads no raw data at all; otherwise runs the model once over
       just those partitions (`lake_partitions_to_read()`), into a temp table;
    4. writes each partition's file unless its rows and sources are unchanged, and overwrites
       output files that no raw partition explains any more with empty ones (no DELETE needed);
    5. points the view at the files.
  So the lake, not the DuckDB file, holds all state: deleting either the DuckDB file or the whole
  lake state is safe, and two runs in a row write nothing the second time.
-#}

{% materialization lake_parquet, adapter='duckdb' %}
  {%- set location = lake_output_location(config.require('location')) -%}
  {%- set raw_tables = config.get('raw_tables', []) -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set batch_name = '"' ~ this.identifier ~ '__lake_batch"' -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- if raw_tables | length > 0 -%}
    {%- set view_sql = lake_write_partitioned(location, raw_tables, batch_name) -%}
  {%- else -%}
    {%- set view_sql = lake_write_single_file(location, batch_name) -%}
  {%- endif -%}

  {%- if existing_relation is not none and existing_relation.type != 'view' -%}
    {% do adapter.drop_relation(existing_relation) %}
  {%- endif -%}
  {%- if view_sql is none -%}
    {#- No output file at all (no raw data yet): an empty table with the model's columns. -#}
    {%- if existing_relation is not none and existing_relation.type == 'view' -%}
      {% do adapter.drop_relation(existing_relation) %}
    {%- endif -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {% call statement('main') -%}
      create or replace table {{ target_relation }} as select * from {{ batch_name }} where false
    {%- endcall %}
  {%- else -%}
    {% call statement('main') -%}
      create or replace view {{ target_relation }} as {{ view_sql }}
    {%- endcall %}
  {%- endif -%}
  {% do run_query('drop table if exists ' ~ batch_name) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- The model's SQL with the partition markers replaced (see lake_partitions.sql). -#}
{% macro lake_model_sql(read_predicate, write_predicate) -%}
  {%- set code = model['compiled_code'] -%}
  {{- return(code
      | replace('(/* lake:partitions_to_read */ true)', '(' ~ read_predicate ~ ')')
      | replace('(/* lake:partitions_to_write */ true)', '(' ~ write_predicate ~ ')')) -}}
{%- endmacro %}

{#- `((year = 2026 and month = 11 and day = 25 and hour = 10) or ...)`: DuckDB prunes hive files with it. -#}
{% macro lake_partition_predicate(partitions, all_partitions) -%}
  {%- if partitions | length == 0 -%}
    {{- return('false') -}}
  {%- elif partitions | length == all_partitions | length -%}
    {{- return('true') -}}
  {%- endif -%}
  {%- set terms = [] -%}
  {%- for partition in partitions -%}
    {%- set p = lake_parse_partition(partition) -%}
    {%- do terms.append('(year = ' ~ p.year ~ ' and month = ' ~ p.month ~ ' and day = ' ~ p.day ~ ' and hour = ' ~ p.hour ~ ')') -%}
  {%- endfor -%}
  {{- return(terms | join(' or ')) -}}
{%- endmacro %}

{% macro lake_parse_partition(partition) -%}
  {%- set at = modules.datetime.datetime.strptime(partition, 'year=%Y/month=%m/day=%d/hour=%H') -%}
  {{- return({'year': at.year, 'month': at.month, 'day': at.day, 'hour': at.hour, 'at': at}) -}}
{%- endmacro %}

{% macro lake_shift_partition(partition, hours) -%}
  {%- set at = lake_parse_partition(partition).at + modules.datetime.timedelta(hours=hours) -%}
  {{- return(at.strftime('year=%Y/month=%m/day=%d/hour=%H')) -}}
{%- endmacro %}

{% macro lake_sql_string(text) -%}
  {{- return("'" ~ (text | replace("'", "''")) ~ "'") -}}
{%- endmacro %}

{#- Key-value metadata of Parquet files: {file: {key: value}}. -#}
{% macro lake_kv_metadata(files) -%}
  {%- set found = {} -%}
  {%- if files | length > 0 -%}
    {%- set quoted = [] -%}
    {%- for file in files -%}{%- do quoted.append(lake_sql_string(file)) -%}{%- endfor -%}
    {%- set result = run_query('select file_name, decode(key) as key, decode(value) as value from parquet_kv_metadata([' ~ quoted | join(', ') ~ "]) where decode(key) like 'lake\\_%' escape '\\'") -%}
    {%- for row in result.rows -%}
      {%- if row[0] not in found -%}{%- do found.update({row[0]: {}}) -%}{%- endif -%}
      {%- do found[row[0]].update({row[1]: row[2]}) -%}
    {%- endfor -%}
  {%- endif -%}
  {{- return(found) -}}
{%- endmacro %}

{#- count and sum of row hashes: equal for equal multisets of rows, whatever their order. -#}
{% macro lake_content_hash_sql(relation, where='true') -%}
  select count(*) || ':' || coalesce(sum(hash(b)::hugeint), 0) from {{ relation }} as b where {{ where }}
{%- endmacro %}

{% macro lake_copy(batch_name, where, path, order_by, kv, exclude=none) -%}
  {%- set pairs = [] -%}
  {%- for key, value in kv.items() -%}{%- do pairs.append(key ~ ': ' ~ lake_sql_string(value)) -%}{%- endfor -%}
  {%- call statement('lake_copy') -%}
    copy (
      select * {%- if exclude %} exclude ({{ exclude | join(', ') }}){% endif %}
      from {{ batch_name }}
      where {{ where }}
      order by {{ order_by }}
    ) to {{ lake_sql_string(path) }} (format parquet, compression zstd, kv_metadata { {{ pairs | join(', ') }} })
  {%- endcall -%}
{%- endmacro %}


{#- One file, rebuilt each run; rewritten only when its rows changed. Returns the view's SQL. -#}
{% macro lake_write_single_file(location, batch_name) -%}
  {%- set path = location ~ '/data.parquet' -%}
  {%- set order_by = config.get('order_by', ['all']) | join(', ') -%}
  {% do run_query('create or replace temp table ' ~ batch_name ~ ' as ' ~ lake_model_sql('true', 'true')) %}
  {%- set content_hash = run_query(lake_content_hash_sql(batch_name)).columns[0].values()[0] -%}
  {#- glob() of a path without wildcards answers without asking S3 whether it exists: list the folder. -#}
  {%- set exists = path in run_query('select file from glob(' ~ lake_sql_string(location ~ '/*.parquet') ~ ')').columns[0].values() -%}
  {%- set recorded = lake_kv_metadata([path]).get(path, {}) if exists else {} -%}
  {%- if exists and recorded.get('lake_content_hash') == content_hash and not should_full_refresh() -%}
    {{ log('lake_parquet ' ~ this.identifier ~ ': unchanged (' ~ content_hash.split(':')[0] ~ ' rows), ' ~ path ~ ' left as is', info=True) }}
  {%- else -%}
    {{ lake_copy(batch_name, 'true', path, order_by, {'lake_content_hash': content_hash}) }}
    {{ log('lake_parquet ' ~ this.identifier ~ ': wrote ' ~ content_hash.split(':')[0] ~ ' rows to ' ~ path, info=True) }}
  {%- endif -%}
  {{- return("select * from read_parquet(" ~ lake_sql_string(path) ~ ")") -}}
{%- endmacro %}


{#- Hour partitions, incremental (the plan in the header). Returns the view's SQL, or none when there is no output. -#}
{% macro lake_write_partitioned(location, raw_tables, batch_name) -%}
  {%- set lookback = config.get('lookback_hours', 0) | int -%}
  {%- set order_by = config.get('order_by', ['all']) | join(', ') -%}
  {%- set partition_pattern = 'year=\\d{4}/month=\\d{2}/day=\\d{2}/hour=\\d{2}' -%}
  {%- set code = model['compiled_code'] -%}
  {%- if '(/* lake:partitions_to_read */ true)' not in code -%}
    {{ exceptions.raise_compiler_error(this.identifier ~ " has raw_tables but does not filter its raw input with {{ lake_partitions_to_read() }}") }}
  {%- endif -%}

  {#- 1. The raw partitions and their files ("<table>/<file name>", sorted). -#}
  {%- set listing -%}
    with files as (
      {%- for table in raw_tables %}
      select {{ lake_sql_string(table ~ '/') }} || regexp_extract(file, '[^/]+$') as source_file,
             regexp_extract(file, '/({{ partition_pattern }})/[^/]+$', 1) as partition
      from glob({{ lake_sql_string(lake_raw_folder(table) ~ '/*/*/*/*/*.parquet') }})
      {{ 'union all' if not loop.last }}
      {%- endfor %}
    )
    select partition, to_json(list(source_file order by source_file))::varchar as source_files
    from files where partition <> '' group by partition order by partition
  {%- endset -%}
  {%- set raw = {} -%}
  {%- for row in run_query(listing).rows -%}{%- do raw.update({row[0]: row[1]}) -%}{%- endfor -%}
  {%- set raw_partitions = raw.keys() | list | sort -%}

  {#- The output files: `<partition>/data.parquet` is ours; anything else is stale. -#}
  {%- set outputs = {} -%}
  {%- set stale_files = [] -%}
  {%- set output_listing = "select file, regexp_extract(file, '/(" ~ partition_pattern ~ ")/data\\.parquet$', 1) from glob(" ~ lake_sql_string(location ~ '/*/*/*/*/*.parquet') ~ ") order by file" -%}
  {%- for row in run_query(output_listing).rows -%}
    {%- if row[1] != '' and row[1] in raw -%}
      {%- do outputs.update({row[1]: row[0]}) -%}
    {%- else -%}
      {%- do stale_files.append(row[0]) -%}
    {%- endif -%}
  {%- endfor -%}

  {#- 2. What to rebuild. -#}
  {%- set full = should_full_refresh() or (outputs | length == 0 and stale_files | length == 0) -%}
  {%- set recheck_from = (modules.datetime.datetime.utcnow() - modules.datetime.timedelta(hours=var('lake_recheck_hours') | int)).strftime('year=%Y/month=%m/day=%d/hour=%H') -%}
  {%- set checked = [] -%}
  {%- for partition in raw_partitions -%}
    {%- if partition in outputs and partition >= recheck_from -%}{%- do checked.append(outputs[partition]) -%}{%- endif -%}
  {%- endfor -%}
  {%- set recorded = {} if full else lake_kv_metadata(checked) -%}
  {%- set todo = [] -%}
  {%- for partition in raw_partitions -%}
    {%- if full or partition not in outputs -%}
      {%- do todo.append(partition) -%}
    {%- elif outputs[partition] in recorded and recorded[outputs[partition]].get('lake_source_files') != raw[partition] -%}
      {%- do todo.append(partition) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set write = [] -%}
  {%- set read = [] -%}
  {%- if todo | length > 0 -%}
    {%- set write_from = lake_shift_partition(todo[0], -lookback) -%}
    {%- for partition in raw_partitions -%}
      {%- if partition in todo or (lookback > 0 and partition >= write_from) -%}{%- do write.append(partition) -%}{%- endif -%}
    {%- endfor -%}
    {%- set read_from = lake_shift_partition(write[0], -lookback) -%}
    {%- for partition in raw_partitions -%}
      {%- if partition in write or (lookback > 0 and partition >= read_from) -%}{%- do read.append(partition) -%}{%- endif -%}
    {%- endfor -%}
  {%- endif -%}

  {#- 3. Run the model over the partitions to read (none: just its columns, for empty files). -#}
  {#- Files no raw partition explains (raw data gone, an old layout) are emptied once, then left alone. -#}
  {%- set stale_kv = lake_kv_metadata(stale_files) -%}
  {%- set to_empty = [] -%}
  {%- for file in stale_files -%}
    {%- if stale_kv.get(file, {}).get('lake_content_hash') != '0:0' -%}{%- do to_empty.append(file) -%}{%- endif -%}
  {%- endfor -%}
  {%- set needs_batch = write | length > 0 or to_empty | length > 0 or outputs | length == 0 -%}
  {%- if needs_batch -%}
    {#- Partitions whose existing output must not count as "already loaded": the ones rewritten now,
        and data files that no raw partition explains any more (emptied below). -#}
    {%- set replaced = write | list -%}
    {%- for file in stale_files -%}
      {%- set stale_partition = modules.re.search('/(' ~ partition_pattern ~ ')/data\\.parquet$', file) -%}
      {%- if stale_partition and stale_partition.group(1) not in replaced -%}{%- do replaced.append(stale_partition.group(1)) -%}{%- endif -%}
    {%- endfor -%}
    {%- set replaced_predicate = 'true' if full else lake_partition_predicate(replaced | sort, []) -%}
    {%- set sql = lake_model_sql(lake_partition_predicate(read, raw_partitions), replaced_predicate) -%}
    {% do run_query('create or replace temp table ' ~ batch_name ~ ' as ' ~ sql) %}
  {%- endif -%}

  {#- 4. Write each partition's file unless unchanged. -#}
  {%- set written = [] -%}
  {%- set unchanged = [] -%}
  {%- set rows_written = [0] -%}
  {%- if write | length > 0 -%}
    {%- set hashes = {} -%}
    {%- set hash_sql -%}
      select 'year=' || lpad(year::varchar, 4, '0') || '/month=' || lpad(month::varchar, 2, '0') || '/day=' || lpad(day::varchar, 2, '0') || '/hour=' || lpad(hour::varchar, 2, '0') as partition,
             count(*) || ':' || coalesce(sum(hash(b)::hugeint), 0) as content_hash
      from {{ batch_name }} as b group by all
    {%- endset -%}
    {%- for row in run_query(hash_sql).rows -%}{%- do hashes.update({row[0]: row[1]}) -%}{%- endfor -%}
    {%- set unknown = [] -%}
    {%- for partition in write -%}
      {%- if partition in outputs and outputs[partition] not in recorded -%}{%- do unknown.append(outputs[partition]) -%}{%- endif -%}
    {%- endfor -%}
    {%- if not full -%}{%- do recorded.update(lake_kv_metadata(unknown)) -%}{%- endif -%}
    {%- for partition in write -%}
      {%- set content_hash = hashes.get(partition, '0:0') -%}
      {%- set previous = recorded.get(outputs.get(partition, ''), {}) -%}
      {%- if not full and previous.get('lake_source_files') == raw[partition] and previous.get('lake_content_hash') == content_hash -%}
        {%- do unchanged.append(partition) -%}
      {%- else -%}
        {%- set p = lake_parse_partition(partition) -%}
        {%- set where = 'year = ' ~ p.year ~ ' and month = ' ~ p.month ~ ' and day = ' ~ p.day ~ ' and hour = ' ~ p.hour -%}
        {{ lake_copy(batch_name, where, location ~ '/' ~ partition ~ '/data.parquet', order_by,
                     {'lake_source_files': raw[partition], 'lake_content_hash': content_hash}, exclude=['year', 'month', 'day', 'hour']) }}
        {%- do written.append(partition) -%}
        {%- do rows_written.append(rows_written.pop() + (content_hash.split(':')[0] | int)) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- for file in to_empty -%}
    {{ lake_copy(batch_name, 'false', file, order_by, {'lake_source_files': '[]', 'lake_content_hash': '0:0'}, exclude=['year', 'month', 'day', 'hour']) }}
  {%- endfor -%}

  {{ log('lake_parquet ' ~ this.identifier ~ ': ' ~ raw_partitions | length ~ ' raw partition(s), '
         ~ (('full refresh' if should_full_refresh() else 'first build') if full else todo | length ~ ' changed')
         ~ '; read ' ~ read | length ~ ', wrote ' ~ written | length ~ ' (' ~ rows_written[0] ~ ' rows), unchanged ' ~ unchanged | length
         ~ (', emptied ' ~ to_empty | length ~ ' stale file(s)' if to_empty | length > 0 else ''), info=True) }}

  {#- 5. The view over the files (none when there are none). -#}
  {%- if outputs | length == 0 and written | length == 0 and stale_files | length == 0 -%}
    {{- return(none) -}}
  {%- endif -%}
  {{- return("select * from read_parquet(" ~ lake_sql_string(location ~ '/*/*/*/*/data.parquet') ~ ", hive_partitioning = true, union_by_name = true, " ~ lake_hive_types() ~ ")") -}}
{%- endmacro %}
