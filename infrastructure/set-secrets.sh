#!/usr/bin/env bash
# Sets the ingestion Worker's secrets in production. Keys never live in committed files, nor on a
# command line: wrangler reads each value from stdin.
#   API_KEYS='{"<key>":"<project>"}' ADMIN_API_KEY='<key>' infrastructure/set-secrets.sh [--dry-run]
# Generate keys with e.g. `openssl rand -hex 24`.
#
# Environment:
#   API_KEYS       JSON object: API key -> project id
#   ADMIN_API_KEY  the operator key (catalog, costs, flush, compaction)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
parse_common_args "$@"

if [[ -n "${API_KEYS:-}" ]]; then
  API_KEYS="$API_KEYS" node -e 'const k = JSON.parse(process.env.API_KEYS); if (typeof k !== "object" || k === null || Array.isArray(k)) process.exit(1)' 2>/dev/null ||
    die "API_KEYS must be a JSON object mapping each key to its project id"
fi
SECRET_VARS=(API_KEYS ADMIN_API_KEY)
require_env "the ingestion Worker's keys" "${SECRET_VARS[@]}"

step "Secrets of analytics-ingestion (wrangler.jsonc, env production)"
wrangler_run_stdin API_KEYS secret put API_KEYS -c wrangler.jsonc --env production
wrangler_run_stdin ADMIN_API_KEY secret put ADMIN_API_KEY -c wrangler.jsonc --env production
