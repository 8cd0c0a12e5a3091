"""Helpers of bench/dbt-full-refresh.mjs, run with the project venv's Python (DuckDB 1.5.5).

  python dbt_bench.py generate <ndjson dir> <lake dir> <files per hour>
      NDJSON of demo events (one file per raw table and hour, written by the benchmark from
      scripts/demo-data.mjs) -> raw lake Parquet files with the lake's columns (zod `lakeColumns`),
      zstd, in `<lake dir>/events/<table>/year=/month=/day=/hour=/<uuid>.parquet`.

  python dbt_bench.py native <manifest.json> <work dir> <output root> <source root> [<s3 endpoint>]
      Runs the SQL dbt compiled for the project (manifest.json of the dbt run), model after model in
      dependency order, directly in DuckDB: views as views, each mart once into Parquet under
      <output root> (partitioned by the raw hour like dbt's files). No dbt, no materialization
      logic (plans, per-partition files, hashes): the same queries, the least work. Prints the
      seconds it took as JSON.
"""
import json
import os
import re
import sys
import time
import uuid

import duckdb

TABLES = {
    "page_views": "page_view",
    "video_events": "video_event",
    "user_actions": "user_action",
    "api_requests": "api_request",
    "usage_events": "usage",
    "custom_events": "custom",
}

# The lake's columns (packages/event-schema lakeColumns), as DuckDB types.
ENVELOPE = [
    ("type", "VARCHAR"), ("event_id", "VARCHAR"), ("timestamp", "TIMESTAMPTZ"), ("session_id", "VARCHAR"),
    ("user_id", "VARCHAR"), ("project_id", "VARCHAR"), ("environment", "VARCHAR"), ("version", "VARCHAR"),
    ("country", "VARCHAR"), ("browser", "VARCHAR"), ("os", "VARCHAR"), ("device_type", "VARCHAR"),
    ("properties", "VARCHAR"), ("received_at", "TIMESTAMPTZ"), ("is_bot", "BOOLEAN"),
]
OWN = {
    "page_views": [("page_url", "VARCHAR"), ("page_title", "VARCHAR"), ("referrer", "VARCHAR"), ("utm_source", "VARCHAR"),
                   ("utm_medium", "VARCHAR"), ("utm_campaign", "VARCHAR"), ("time_on_page", "DOUBLE")],
    "video_events": [("video_id", "VARCHAR"), ("action", "VARCHAR"), ("position", "DOUBLE"), ("duration", "DOUBLE"),
                     ("playback_rate", "DOUBLE"), ("quality", "VARCHAR"), ("buffered", "DOUBLE")],
    "user_actions": [("action", "VARCHAR"), ("target", "VARCHAR"), ("value", "VARCHAR")],
    "api_requests": [("method", "VARCHAR"), ("path", "VARCHAR"), ("status_code", "BIGINT"), ("duration_ms", "DOUBLE"),
                     ("organization_id", "VARCHAR")],
    "usage_events": [("organization_id", "VARCHAR"), ("sku", "VARCHAR"), ("quantity", "DOUBLE"), ("unit", "VARCHAR")],
    "custom_events": [("name", "VARCHAR")],
}


def generate(ndjson_dir, lake_dir, files_per_hour):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    written = 0
    for name in sorted(os.listdir(ndjson_dir)):
        match = re.fullmatch(r"(\w+)__(year=\d{4}/month=\d\d/day=\d\d/hour=\d\d)\.ndjson", name.replace("+", "/"))
        if not match:
            continue
        table, partition = match.groups()
        columns = ENVELOPE + OWN[table]
        # read_json with the lake's types; properties (an object) arrives as JSON text.
        spec = ", ".join(f"'{column}': '{'JSON' if column == 'properties' else kind}'" for column, kind in columns)
        select = ", ".join(f'cast("{column}" as {kind}) as "{column}"' for column, kind in columns)
        con.execute(f"create or replace temp table rows as select {select}, row_number() over () as n "
                    f"from read_json('{os.path.join(ndjson_dir, name)}', format = 'newline_delimited', columns = {{{spec}}})")
        count = con.execute("select count(*) from rows").fetchone()[0]
        folder = os.path.join(lake_dir, "events", table, partition)
        os.makedirs(folder, exist_ok=True)
        parts = max(1, min(files_per_hour, count))
        for part in range(parts):
            path = os.path.join(folder, f"{uuid.uuid4()}.parquet")
            con.execute(f"copy (select * exclude (n) from rows where n % {parts} = {part} order by \"timestamp\") "
                        f"to '{path}' (format parquet, compression zstd)")
            written += 1
    print(json.dumps({"files": written}))


def native(manifest_path, work_dir, output_root, source_root, endpoint=None):
    manifest = json.load(open(manifest_path))
    models = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    order, seen = [], set()

    def visit(key):
        if key in seen:
            return
        seen.add(key)
        for parent in models[key]["depends_on"]["nodes"]:
            if parent in models:
                visit(parent)
        order.append(key)

    for key in sorted(models):
        visit(key)

    started = time.perf_counter()
    # The same database name as dbt's file (local.duckdb), so the compiled relation names resolve.
    database = os.path.join(work_dir, "local.duckdb")
    con = duckdb.connect(database, config={"extension_directory": os.environ["DBT_DUCKDB_EXTENSION_DIR"], "autoinstall_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    if endpoint:
        con.execute("LOAD httpfs")
        con.execute(f"CREATE SECRET lake (TYPE s3, KEY_ID '{os.environ['LOCAL_S3_ACCESS_KEY_ID']}', SECRET '{os.environ['LOCAL_S3_SECRET_ACCESS_KEY']}', "
                    f"ENDPOINT '{endpoint}', URL_STYLE 'path', USE_SSL false, REGION 'auto')")
    timings = {}
    for key in order:
        node = models[key]
        sql = node["compiled_code"].replace("(/* lake:partitions_to_read */ true)", "(true)").replace("(/* lake:partitions_to_write */ true)", "(true)")
        if source_root != "s3://analytics-source":
            sql = sql.replace("s3://analytics-source", source_root)
        relation = f'"{node["schema"]}"."{node["alias"]}"'
        t0 = time.perf_counter()
        if node["config"]["materialized"] == "lake_parquet":
            location = f"{output_root}/{node['config']['location']}"
            con.execute(f"create or replace temp table batch as {sql}")
            if node["config"].get("raw_tables"):
                if not location.startswith("s3://"):
                    os.makedirs(location, exist_ok=True)
                con.execute(f"copy batch to '{location}' (format parquet, compression zstd, partition_by (year, month, day, hour), overwrite_or_ignore)")
                read = f"read_parquet('{location}/*/*/*/*/*.parquet', hive_partitioning = true, hive_types = {{'year': INTEGER, 'month': INTEGER, 'day': INTEGER, 'hour': INTEGER}})"
            else:
                if not location.startswith("s3://"):
                    os.makedirs(location, exist_ok=True)
                con.execute(f"copy batch to '{location}/data.parquet' (format parquet, compression zstd)")
                read = f"read_parquet('{location}/data.parquet')"
            con.execute(f"create or replace view {relation} as select * from {read}")
        else:
            con.execute(f"create or replace view {relation} as {sql}")
        timings[node["name"]] = round(time.perf_counter() - t0, 3)
    print(json.dumps({"seconds": time.perf_counter() - started, "models": timings}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "generate":
        generate(args[0], args[1], int(args[2]))
    elif command == "native":
        native(*args)
    else:
        sys.exit(f"unknown command {command}")
