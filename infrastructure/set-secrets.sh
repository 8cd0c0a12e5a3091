#!/usr/bin/env bash
# Sets the keys of every Worker that checks them, in production: ingestion and the API (project
# keys and the admin key), catalog and compaction (the admin key; the project keys too, so a
# project key gets the same 403 as locally rather than 401). Without them a Worker refuses every
# key. Keys never live in committed files, nor on a command line: wrangler reads each value from stdin.
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
require_env "the Workers' keys" "${SECRET_VARS[@]}"

# Each Worker's config and the environment its deploy command uses (README "Deploy").
WORKER_CONFIGS=(
  "analytics-ingestion|wrangler.jsonc|production"
  "analytics-api|wrangler-api.toml|production"
  "analytics-catalog|wrangler-catalog.toml|"
  "analytics-compaction|wrangler-compaction.toml|"
)
for entry in "${WORKER_CONFIGS[@]}"; do
  IFS='|' read -r worker config env <<<"$entry"
  env_args=()
  [[ -n "$env" ]] && env_args=(--env "$env")
  step "Secrets of $worker ($config${env:+, env $env})"
  for var in "${SECRET_VARS[@]}"; do
    wrangler_run_stdin "$var" secret put "$var" -c "$config" "${env_args[@]}"
  done
done
