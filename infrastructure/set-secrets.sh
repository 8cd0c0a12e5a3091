#!/usr/bin/env bash
# Sets the ingestion Worker's secrets in production. Keys never live in committed files.
#   API_KEYS='{"<key>":"<project>"}' ADMIN_API_KEY='<key>' infrastructure/set-secrets.sh
# Generate keys with e.g. `openssl rand -hex 24`.
set -euo pipefail
cd "$(dirname "$0")/.."
WRANGLER="node_modules/.bin/wrangler"
: "${API_KEYS:?set API_KEYS to a JSON object mapping each key to its project id}"
: "${ADMIN_API_KEY:?set ADMIN_API_KEY}"
node -e 'const k = JSON.parse(process.env.API_KEYS); if (typeof k !== "object" || Array.isArray(k)) throw new Error("API_KEYS must be a JSON object")'
printf '%s' "$API_KEYS" | "$WRANGLER" secret put API_KEYS -c wrangler.jsonc --env production
printf '%s' "$ADMIN_API_KEY" | "$WRANGLER" secret put ADMIN_API_KEY -c wrangler.jsonc --env production
