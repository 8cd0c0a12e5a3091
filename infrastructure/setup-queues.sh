#!/usr/bin/env bash
# Creates the queues the Workers use. Safe to re-run: an existing queue is reported, not recreated.
#   infrastructure/setup-queues.sh [--dry-run]
#
#   analytics-ae-deferred         Analytics Engine data points beyond the per-invocation cap
#                                 (wrangler.jsonc: AE_DEFERRED producer and consumer, ingestion Worker)
#   analytics-lake-notifications  R2 event notifications of analytics-source: Pipelines' new Parquet
#                                 files (setup-r2.sh creates the rule; the catalog Worker consumes it,
#                                 wrangler-catalog.toml)
#
# Every queue is created here, and only here; setup-r2.sh checks that its queue exists.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
parse_common_args "$@"

ensure_queue() {
  local name="$1"
  if wrangler_exists queues info "$name"; then
    info "queue $name exists"
  else
    wrangler_run queues create "$name"
  fi
}

step "Queues"
ensure_queue analytics-ae-deferred
ensure_queue analytics-lake-notifications
