#!/usr/bin/env bash
# Creates the queues the ingestion Worker uses. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
WRANGLER="node_modules/.bin/wrangler"

create_queue() {
  local name="$1"
  if "$WRANGLER" queues info "$name" >/dev/null 2>&1; then
    echo "queue $name exists"
  else
    "$WRANGLER" queues create "$name"
  fi
}

# Analytics Engine data points beyond the per-invocation cap (wrangler.jsonc, AE_DEFERRED).
create_queue analytics-ae-deferred
