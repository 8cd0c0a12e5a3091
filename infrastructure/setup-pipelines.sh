#!/usr/bin/env bash
# Creates, for each lake table, the Cloudflare Pipelines stream the ingestion Worker sends to, an R2
# sink that writes Parquet into analytics-source, and the pipeline that joins them. Safe to re-run:
# existing streams, sinks and pipelines are kept. They cannot be changed in place: to change one,
# delete it (wrangler basin pipelines <kind> delete <name>) and re-run.
#   R2_ACCESS_KEY_ID=... R2_SECRET_ACCESS_KEY=... infrastructure/setup-pipelines.sh [--dry-run]
# Needs the bucket analytics-source: run setup-r2.sh first (setup-all.sh does).
#
# Per table T, one per packages/event-schema/generated/pipelines/T.schema.json (generated from the
# zod schemas: `node packages/event-schema/scripts/generate.ts`):
#   stream    analytics_T           that schema; wrangler.jsonc env.production binds it as PIPELINE_<T>
#   sink      analytics_T_sink      Parquet, zstd, to analytics-source events/T/year=%Y/month=%m/day=%d/hour=%H/<uuid>.parquet
#   pipeline  analytics_T_pipeline  INSERT INTO analytics_T_sink SELECT * FROM analytics_T
#
# Environment:
#   R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY  required. S3 credentials of an R2 API token with Object
#       Read & Write on analytics-source; every sink writes with them. (Without them wrangler opens
#       a browser to make some, which a script cannot answer.)
#   PIPELINES_ROLL_INTERVAL_SECONDS  how often a sink closes its file (default 300, Pipelines' own)
#   PIPELINES_ROLL_SIZE_MB           optional: also close a file once it reaches this size
#   CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID  the account, as for every script here
set -euo pipefail
source "$(dirname "$0")/lib.sh"
parse_common_args "$@"

SCHEMA_DIR=packages/event-schema/generated/pipelines
BUCKET=analytics-source
# The UTC hour the sink writes the rows, as the lake layout expects (README "The lake (R2)").
PARTITIONING='year=%Y/month=%m/day=%d/hour=%H'
ROLL_INTERVAL_SECONDS="${PIPELINES_ROLL_INTERVAL_SECONDS:-300}"
ROLL_SIZE_MB="${PIPELINES_ROLL_SIZE_MB:-}"

SECRET_VARS=(R2_ACCESS_KEY_ID R2_SECRET_ACCESS_KEY)
require_env "S3 credentials of an R2 API token with Object Read & Write on $BUCKET, for the sinks" "${SECRET_VARS[@]}"
[[ "$ROLL_INTERVAL_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "PIPELINES_ROLL_INTERVAL_SECONDS must be a whole number of seconds, got '$ROLL_INTERVAL_SECONDS'"
[[ -z "$ROLL_SIZE_MB" || "$ROLL_SIZE_MB" =~ ^[1-9][0-9]*$ ]] || die "PIPELINES_ROLL_SIZE_MB must be a whole number of megabytes, got '$ROLL_SIZE_MB'"

shopt -s nullglob
SCHEMA_FILES=("$SCHEMA_DIR"/*.schema.json)
shopt -u nullglob
((${#SCHEMA_FILES[@]} > 0)) || die "no stream schemas in $SCHEMA_DIR: run 'node packages/event-schema/scripts/generate.ts'"

if ((!DRY_RUN)); then
  wrangler_exists r2 bucket info "$BUCKET" || die "bucket $BUCKET does not exist: run infrastructure/setup-r2.sh first"
fi

# Prints the stream's id; warns when the deployed schema differs from the generated one, which a
# stream cannot change: fields missing from it are dropped from every row the Worker sends.
stream_id() {
  local stream="$1" schema_file="$2" json
  json="$(wrangler_query basin pipelines streams get "$stream" --json)" || die "could not read stream $stream: $json"
  node -e '
    const fs = require("node:fs");
    const stream = JSON.parse(fs.readFileSync(0, "utf8"));
    const key = (f) => `${f.name} ${f.type}${f.required ? " required" : ""}`;
    const want = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).fields.map(key);
    const have = (stream.schema?.fields ?? []).map(key);
    const missing = want.filter((f) => !have.includes(f));
    const extra = have.filter((f) => !want.includes(f));
    if (missing.length || extra.length) {
      console.error(`warning: stream ${stream.name} differs from ${process.argv[1]}` +
        ` (streams are immutable: create a new stream and bind it in wrangler.jsonc)` +
        `\n  not in the stream: ${missing.join(", ") || "-"}\n  only in the stream: ${extra.join(", ") || "-"}`);
    }
    console.log(stream.id);
  ' "$schema_file" <<<"$json"
}

STREAM_IDS=()

for schema_file in "${SCHEMA_FILES[@]}"; do
  table="$(basename "$schema_file" .schema.json)"
  stream="analytics_${table}"
  sink="analytics_${table}_sink"
  pipeline="analytics_${table}_pipeline"
  step "$table"

  if wrangler_exists basin pipelines streams get "$stream"; then
    info "stream $stream exists"
  else
    # Workers send through the binding; the HTTP endpoint is off so that nothing else can write rows.
    wrangler_run basin pipelines streams create "$stream" --schema-file "$schema_file" --http-enabled=false
  fi
  if ((!DRY_RUN)); then
    id="$(stream_id "$stream" "$schema_file")"
    STREAM_IDS+=("$stream $id")
  fi

  if wrangler_exists basin pipelines sinks get "$sink"; then
    info "sink $sink exists (not compared: delete it and re-run to change its settings)"
  else
    sink_args=(--type r2 --bucket "$BUCKET" --path "events/$table" --partitioning "$PARTITIONING"
      --format parquet --compression zstd --roll-interval "$ROLL_INTERVAL_SECONDS")
    [[ -n "$ROLL_SIZE_MB" ]] && sink_args+=(--roll-size "$ROLL_SIZE_MB")
    wrangler_run basin pipelines sinks create "$sink" "${sink_args[@]}" \
      --access-key-id "$R2_ACCESS_KEY_ID" --secret-access-key "$R2_SECRET_ACCESS_KEY"
  fi

  if wrangler_exists basin pipelines get "$pipeline"; then
    info "pipeline $pipeline exists"
  else
    wrangler_run basin pipelines create "$pipeline" --sql "INSERT INTO $sink SELECT * FROM $stream"
  fi
done

if ((!DRY_RUN)); then
  step "Stream ids: bind these in wrangler.jsonc env.production \"pipelines\" (replacing the names)"
  # Cloudflare's docs give a pipelines binding's `stream` as the stream's id; wrangler.jsonc ships
  # the names as placeholders, since ids exist only once the streams do.
  for entry in "${STREAM_IDS[@]}"; do
    read -r name id <<<"$entry"
    table="${name#analytics_}"
    info "{ \"binding\": \"PIPELINE_${table^^}\", \"stream\": \"$id\" },"
  done
fi
