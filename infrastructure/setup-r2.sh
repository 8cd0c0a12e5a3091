#!/usr/bin/env bash
# Creates the lake's R2 buckets, their retention (lifecycle) rules, and the event notification that
# tells the catalog Worker about each file Cloudflare Pipelines writes. Safe to re-run: existing
# buckets, rules (matched by name) and notification rules (matched by queue and prefix) are kept.
#   infrastructure/setup-r2.sh [--dry-run]
# Needs the queue analytics-lake-notifications: run setup-queues.sh first (setup-all.sh does).
#
# Retention (README "Retention"):
#   analytics-source     raw events, kept forever: no expiry rule, on purpose
#   analytics-processed  expire after 90 days; temp/ after 7 days
#   analytics-catalog    metadata, kept (the catalog rewrites it)
# A rule is only added, never changed: to change one, remove it first
#   (wrangler r2 bucket lifecycle remove <bucket> --name <rule>) and re-run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
parse_common_args "$@"

SOURCE_BUCKET=analytics-source
PROCESSED_BUCKET=analytics-processed
CATALOG_BUCKET=analytics-catalog
NOTIFICATION_QUEUE=analytics-lake-notifications
# Pipelines' sinks write under events/<table>/ (setup-pipelines.sh); compaction output lands there too.
NOTIFICATION_PREFIX=events/

ensure_bucket() {
  local bucket="$1"
  if wrangler_exists r2 bucket info "$bucket"; then
    info "bucket $bucket exists"
  else
    wrangler_run r2 bucket create "$bucket"
  fi
}

# Adds an expiry rule unless a rule of that name exists. Usage: ensure_expiry <bucket> <rule> <days> [prefix]
ensure_expiry() {
  local bucket="$1" rule="$2" days="$3" prefix="${4:-}" rules
  if ((!DRY_RUN)); then
    rules="$(wrangler_query r2 bucket lifecycle list "$bucket")" || die "could not list the lifecycle rules of $bucket: $rules"
    # `lifecycle list` prints one block per rule, starting "name: <rule>".
    if grep -Eq "^name:[[:space:]]+${rule}[[:space:]]*$" <<<"$rules"; then
      info "lifecycle rule $rule on $bucket exists (not compared; see the header to change it)"
      return
    fi
  fi
  if [[ -n "$prefix" ]]; then
    wrangler_run r2 bucket lifecycle add "$bucket" "$rule" "$prefix" --expire-days "$days"
  else
    # A rule without a prefix makes wrangler ask "apply to all objects?"; --force answers yes.
    wrangler_run r2 bucket lifecycle add "$bucket" "$rule" --expire-days "$days" --force
  fi
}

# One notification rule per (queue, prefix): R2 rejects overlapping rules, so an existing one is kept.
ensure_notification() {
  local bucket="$1" queue="$2" prefix="$3" rules
  if ((!DRY_RUN)); then
    wrangler_exists queues info "$queue" || die "queue $queue does not exist: run infrastructure/setup-queues.sh first"
    rules="$(wrangler_query r2 bucket notification list "$bucket")" || die "could not list the notification rules of $bucket: $rules"
    # `notification list` prints one block per rule, with lines "queue_name: <queue>" and "prefix: <prefix>".
    if awk -v queue="$queue" -v prefix="$prefix" 'BEGIN { RS = "" }
      { q = 0; p = 0
        for (i = 1; i <= NF; i++) { if ($i == "queue_name:" && $(i + 1) == queue) q = 1; if ($i == "prefix:" && $(i + 1) == prefix) p = 1 }
        if (q && p) found = 1 }
      END { exit !found }' <<<"$rules"; then
      info "notification rule $bucket/$prefix* -> $queue exists"
      return
    fi
  fi
  wrangler_run r2 bucket notification create "$bucket" --event-types object-create --prefix "$prefix" \
    --queue "$queue" --description "New lake files (Pipelines sinks) for the catalog Worker"
}

step "R2 buckets"
ensure_bucket "$SOURCE_BUCKET"
ensure_bucket "$PROCESSED_BUCKET"
ensure_bucket "$CATALOG_BUCKET"

step "Lifecycle rules"
info "$SOURCE_BUCKET: no expiry rule: raw events are kept forever"
ensure_expiry "$PROCESSED_BUCKET" processed-expire-90d 90
ensure_expiry "$PROCESSED_BUCKET" processed-temp-expire-7d 7 temp/
info "$CATALOG_BUCKET: no expiry rule: catalog metadata is kept"

step "Event notifications"
ensure_notification "$SOURCE_BUCKET" "$NOTIFICATION_QUEUE" "$NOTIFICATION_PREFIX"
