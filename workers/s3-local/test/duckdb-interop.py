#!/usr/bin/env python3
"""Real DuckDB (httpfs) against the local stack's S3 endpoint (workers/s3-local).

What it proves, each with an assert:
  1. COPY ... TO 's3://analytics-processed/temp/<run>/small.parquet' then read_parquet: same rows.
  2. A larger COPY that DuckDB uploads in several parts (s3_uploader_max_filesize='50GB' makes
     DuckDB's part size its 5 MiB minimum): CreateMultipartUpload, UploadPart x N,
     CompleteMultipartUpload; read back whole (HEAD, ranged GETs).
  3. glob() over a prefix (ListObjectsV2 with encoding-type=url).
  4. Partitioned COPY (PARTITION_BY, OVERWRITE: DuckDB lists and deletes with DeleteObjects first)
     read back with hive_partitioning.
  5. Events sent to POST /events, POST /admin/flush, then
     read_parquet('s3://analytics-source/events/*/*/*/*/*/*.parquet', hive_partitioning=true):
     every event sent is there once, with its year/month/day/hour partition columns.
  6. The same settings through plain SET s3_* (not a secret) work too.
  7. A wrong secret is refused (DuckDB reports HTTP 403).
It prints the S3 operations DuckDB called (from DuckDB's own HTTP log), then `N passed, N failed`.

Environment (defaults are the local stack's: README "Keys" and workers/s3-local/README.md):
  STACK_ORIGIN           http://127.0.0.1:8787   the stack (events, flush; the S3 endpoint is on it)
  S3_ENDPOINT            host:port of STACK_ORIGIN
  S3_ACCESS_KEY_ID       local-dev-access-key
  S3_SECRET_ACCESS_KEY   local-dev-secret-key
  PROJECT_KEY            local-dev-key
  ADMIN_KEY              local-admin-key
  HTTPFS_EXTENSION       path of httpfs.duckdb_extension; default: the one shipped in the
                         duckdb-extension-httpfs package (DuckDB cannot download it offline)
Needs: pip install duckdb==1.5.5 duckdb-extension-httpfs==1.5.5 (versions must match).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import duckdb

STACK_ORIGIN = os.environ.get("STACK_ORIGIN", "http://127.0.0.1:8787").rstrip("/")
S3_ENDPOINT = os.environ.get("S3_ENDPOINT", urllib.parse.urlsplit(STACK_ORIGIN).netloc)
KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "local-dev-access-key")
SECRET = os.environ.get("S3_SECRET_ACCESS_KEY", "local-dev-secret-key")
PROJECT_KEY = os.environ.get("PROJECT_KEY", "local-dev-key")
ADMIN_KEY = os.environ.get("ADMIN_KEY", "local-admin-key")
RUN = uuid.uuid4().hex[:12]
TEMP = f"s3://analytics-processed/temp/duckdb-interop-{RUN}"


def httpfs_extension() -> str:
    explicit = os.environ.get("HTTPFS_EXTENSION")
    if explicit:
        return explicit
    import duckdb_extension_httpfs  # the PyPI package that ships the extension binary

    version = duckdb.__version__
    path = Path(duckdb_extension_httpfs.__file__).parent / "extensions" / f"v{version}" / "httpfs.duckdb_extension"
    if not path.exists():
        raise SystemExit(f"{path} does not exist: install duckdb-extension-httpfs=={version} (it must match duckdb {version})")
    return str(path)


def connect(*, secret: str = SECRET, use_secret: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with httpfs loaded and the local endpoint configured."""
    con = duckdb.connect()
    con.execute(f"LOAD '{httpfs_extension()}'")
    if use_secret:
        # The form a dbt-duckdb profile's `secrets:` entry produces.
        con.execute(
            f"""CREATE SECRET local_s3 (TYPE s3, KEY_ID '{KEY_ID}', SECRET '{secret}', REGION 'auto',
                ENDPOINT '{S3_ENDPOINT}', URL_STYLE 'path', USE_SSL false)"""
        )
    else:
        # The form of a dbt-duckdb profile's `settings:` (or plain SET statements).
        for name, value in {
            "s3_endpoint": S3_ENDPOINT,
            "s3_url_style": "path",
            "s3_use_ssl": False,
            "s3_region": "auto",
            "s3_access_key_id": KEY_ID,
            "s3_secret_access_key": secret,
        }.items():
            con.execute(f"SET {name} = ?", [value])
    con.execute("CALL enable_logging('HTTP')")
    return con


def post_json(path: str, body: object | None, key: str) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{STACK_ORIGIN}{path}", data=data, method="POST", headers={"content-type": "application/json", "x-api-key": key})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def operation(method: str, url: str) -> str:
    """The S3 operation a logged request was, by method and query (as workers/s3-local/src/route.ts)."""
    parsed = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
    bucket_level = parsed.path.strip("/").count("/") == 0
    if method == "GET" and bucket_level:
        return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    if method == "POST" and "uploads" in query:
        return "CreateMultipartUpload"
    if method == "POST" and "uploadId" in query:
        return "CompleteMultipartUpload"
    if method == "PUT" and "partNumber" in query:
        return "UploadPart"
    if method == "DELETE" and "uploadId" in query:
        return "AbortMultipartUpload"
    return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(method, method)


def logged_operations(con: duckdb.DuckDBPyConnection) -> Counter:
    rows = con.sql("SELECT request.type, request.url, response.status FROM duckdb_logs_parsed('HTTP')").fetchall()
    return Counter(f"{operation(method, url)} -> {status}" for method, url, status in rows)


results: list[tuple[str, str | None]] = []
all_operations: Counter = Counter()


def check(name: str):
    def run(test):
        try:
            test()
            results.append((name, None))
            print(f"  ✓ {name}")
        except Exception as error:  # report every check, then fail at the end
            results.append((name, f"{type(error).__name__}: {error}"))
            print(f"  ✗ {name}\n{traceback.format_exc()}")
        return test

    return run


print(f"DuckDB {duckdb.__version__} against {S3_ENDPOINT} (stack {STACK_ORIGIN}), run {RUN}")
con = connect()


@check("small COPY TO s3:// then read_parquet returns the same rows (PutObject, HeadObject, ranged GetObject)")
def _small():
    con.execute(f"COPY (SELECT range AS id, 'name-' || range AS name FROM range(1000)) TO '{TEMP}/small.parquet' (FORMAT parquet)")
    assert con.sql(f"SELECT count(*), sum(id), min(name) FROM read_parquet('{TEMP}/small.parquet')").fetchone() == (1000, 499500, "name-0")


@check("large COPY uploads in several parts (multipart) and reads back whole")
def _large():
    before = logged_operations(con)
    con.execute("SET s3_uploader_max_filesize = '50GB'")  # part size = DuckDB's 5 MiB minimum
    try:
        con.execute(
            f"""COPY (SELECT range AS id, md5(range::VARCHAR) AS h FROM range(600000))
                TO '{TEMP}/large.parquet' (FORMAT parquet, COMPRESSION uncompressed)"""
        )
    finally:
        con.execute("RESET s3_uploader_max_filesize")
    used = logged_operations(con) - before
    assert used["CreateMultipartUpload -> OK_200"] == 1, used
    assert used["UploadPart -> OK_200"] >= 2, used
    assert used["CompleteMultipartUpload -> OK_200"] == 1, used
    assert con.sql(f"SELECT count(*), sum(id), count(DISTINCT h) FROM read_parquet('{TEMP}/large.parquet')").fetchone() == (600000, 179999700000, 600000)


@check("glob() lists what was written (ListObjectsV2)")
def _glob():
    files = sorted(row[0] for row in con.sql(f"SELECT file FROM glob('{TEMP}/*.parquet')").fetchall())
    assert files == [f"{TEMP}/large.parquet", f"{TEMP}/small.parquet"], files


@check("partitioned COPY with OVERWRITE (DeleteObjects) reads back with hive partitioning")
def _partitioned():
    for _ in range(2):  # the second run overwrites: DuckDB lists the folder and deletes it first
        con.execute(f"COPY (SELECT range AS id, range % 3 AS k FROM range(99)) TO '{TEMP}/parts' (FORMAT parquet, PARTITION_BY (k), OVERWRITE)")
    rows = con.sql(f"SELECT k, count(*) FROM read_parquet('{TEMP}/parts/*/*.parquet', hive_partitioning = true) GROUP BY k ORDER BY k").fetchall()
    assert rows == [(0, 33), (1, 33), (2, 33)], rows


@check("events sent and flushed are read from analytics-source with hive partitioning")
def _lake():
    session = f"duckdb-interop-{RUN}"
    now = datetime.now(timezone.utc)
    events = [
        {
            "type": "page_view",
            "event_id": str(uuid.uuid4()),
            "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "session_id": session,
            "page_url": f"https://shop.example/p/{i}",
            "page_title": f"Page {i}",
        }
        for i in range(25)
    ]
    accepted = post_json("/events", {"events": events}, PROJECT_KEY)
    assert accepted["accepted"] == len(events), accepted
    flushed = post_json("/admin/flush", None, ADMIN_KEY)
    assert any(file["table"] == "page_views" for file in flushed["files"]), flushed
    rows = con.sql(
        f"""SELECT count(*), count(DISTINCT event_id), min(year), min(month), min(day), min(hour)
            FROM read_parquet('s3://analytics-source/events/*/*/*/*/*/*.parquet', hive_partitioning = true, union_by_name = true)
            WHERE session_id = ?""",
        params=[session],
    ).fetchone()
    assert rows is not None and rows[:2] == (len(events), len(events)), rows
    # The partition is the UTC hour the sink wrote the file: this hour (or the next, at a boundary).
    assert int(rows[2]) == now.year and int(rows[3]) == now.month, rows


@check("plain SET s3_* settings work as well as a secret")
def _settings():
    other = connect(use_secret=False)
    assert other.sql(f"SELECT count(*) FROM read_parquet('{TEMP}/small.parquet')").fetchone() == (1000,)
    all_operations.update(logged_operations(other))


@check("a wrong secret is refused with 403")
def _wrong_secret():
    wrong = connect(secret="not-the-local-secret")
    try:
        wrong.sql(f"SELECT count(*) FROM read_parquet('{TEMP}/small.parquet')").fetchall()
    except duckdb.Error as error:
        assert "403" in str(error), error
    else:
        raise AssertionError("a read with the wrong secret succeeded")


all_operations.update(logged_operations(con))
print("S3 operations DuckDB called (operation -> status: count):")
for name, count in sorted(all_operations.items()):
    print(f"  {name}: {count}")
failed = [name for name, error in results if error]
print(f"duckdb-interop: {len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
