#!/usr/bin/env bash
# Creates everything production needs, in dependency order, then says how to deploy. Each step is
# safe to re-run, so after a failure fix the cause and run this again.
#   infrastructure/setup-all.sh [--dry-run]
#
#   1. setup-queues.sh     queues (the R2 notification rule needs its queue)
#   2. setup-r2.sh         buckets, lifecycle rules, the notification rule (the sinks need the bucket)
#   3. setup-pipelines.sh  streams, sinks, pipelines (the ingestion Worker binds the streams)
#   4. set-secrets.sh      the ingestion Worker's secrets
# Environment: what each script needs (see each one's --help): R2_ACCESS_KEY_ID,
# R2_SECRET_ACCESS_KEY, API_KEYS, ADMIN_API_KEY, and CLOUDFLARE_API_TOKEN / CLOUDFLARE_ACCOUNT_ID.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
parse_common_args "$@"

flags=()
((DRY_RUN)) && flags+=(--dry-run)

for script in setup-queues.sh setup-r2.sh setup-pipelines.sh set-secrets.sh; do
  printf '\n######## %s\n' "$script"
  bash "infrastructure/$script" "${flags[@]}"
done

printf '\nDone. Deploy the Workers: npx wrangler deploy --env production (README "Deploy").\n'
