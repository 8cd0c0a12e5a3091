# Shared by the setup scripts (sourced, not run): argument parsing, progress output, and one way
# to call wrangler that a dry run can print instead of executing.
#
# Every script takes:
#   --dry-run   print the wrangler commands that change something instead of running them; nothing
#               is looked up either, so every create command is printed (a real run skips what exists)
#   --help      show the script's header comment
# Environment:
#   WRANGLER    the wrangler executable (default: the repository's pinned node_modules/.bin/wrangler)

# shellcheck shell=bash
set -euo pipefail

# Resolved before the cd below: $0 may be relative to the caller's directory.
SCRIPT_PATH="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

# The pinned wrangler (4.164) needs Node >= 22.12 and finds node through `#!/usr/bin/env node`; the
# system node may be older (README "Quick start" asks only for Node 20), so the repository's pinned
# node (devDependency `node`) goes first.
export PATH="$REPO_ROOT/node_modules/.bin:$PATH"
WRANGLER="${WRANGLER:-node_modules/.bin/wrangler}"

DRY_RUN=0
# Values that must never be printed (dry run or progress output): names of environment variables.
SECRET_VARS=()

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

warn() {
  printf 'warning: %s\n' "$*" >&2
}

step() {
  printf '\n==> %s\n' "$*"
}

info() {
  printf '    %s\n' "$*"
}

# Parses the flags every script shares; the calling script's header comment is its --help.
parse_common_args() {
  while (($# > 0)); do
    case "$1" in
      --dry-run) DRY_RUN=1 ;;
      -h | --help)
        sed -n '2,/^set -euo pipefail/p' "$SCRIPT_PATH" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 0
        ;;
      *) die "unknown argument '$1' (try --help)" ;;
    esac
    shift
  done
  if ((DRY_RUN)); then
    printf 'dry run: printing the wrangler commands that change something; nothing is run or looked up\n'
  elif [[ ! -x "$WRANGLER" ]] && ! command -v "$WRANGLER" >/dev/null 2>&1; then
    die "wrangler not found at $WRANGLER: run 'npm install' at the repository root (or set WRANGLER)"
  fi
}

# Shell-quotes one argument for display, leaving plain words readable; the value of a variable in
# SECRET_VARS is shown as "$NAME" so the printed command still works in a shell that has it set.
display_arg() {
  local arg="$1" name
  for name in "${SECRET_VARS[@]}"; do
    if [[ -n "${!name:-}" && "$arg" == "${!name}" ]]; then
      printf '"$%s"' "$name"
      return
    fi
  done
  if [[ "$arg" =~ ^[A-Za-z0-9_./=%:,@+-]+$ ]]; then
    printf '%s' "$arg"
  else
    printf "'%s'" "${arg//\'/\'\\\'\'}"
  fi
}

display_command() {
  local out="" arg
  for arg in "$@"; do out+="$(display_arg "$arg") "; done
  printf '%s' "${out% }"
}

# Runs a wrangler command that changes something; in a dry run only prints it. Either way the
# command is printed first, as "+ <command>", so the output reads as a log of what was done.
wrangler_run() {
  printf '+ %s\n' "$(display_command "$WRANGLER" "$@")"
  ((DRY_RUN)) && return 0
  "$WRANGLER" "$@"
}

# Same, with the value of the environment variable $1 on stdin (secrets: never on the command line).
wrangler_run_stdin() {
  local var="$1"
  shift
  printf '+ printf %%s "$%s" | %s\n' "$var" "$(display_command "$WRANGLER" "$@")"
  ((DRY_RUN)) && return 0
  printf '%s' "${!var}" | "$WRANGLER" "$@"
}

# Runs a read-only wrangler command and prints its standard output without colours; on failure
# prints wrangler's messages and fails. Never called in a dry run (callers check), so a dry run needs
# no account. Standard error stays apart so that `--json` output parses.
wrangler_query() {
  local output errors status=0
  errors="$(mktemp)"
  output="$("$WRANGLER" "$@" 2>"$errors")" || status=$?
  if ((status != 0)); then
    printf '%s\n' "$output" "$(cat "$errors")"
    rm -f "$errors"
    return "$status"
  fi
  rm -f "$errors"
  printf '%s\n' "$output" | sed -e $'s/\x1b\\[[0-9;]*m//g'
}

# Whether a resource exists: wrangler's info/get command for it succeeds. A dry run answers "no"
# without asking, so it prints every create command. Any failure (also a network or auth error)
# counts as "missing": the create that follows then fails loudly with wrangler's own message.
wrangler_exists() {
  ((DRY_RUN)) && return 1
  "$WRANGLER" "$@" >/dev/null 2>&1
}

# Fails unless every named environment variable is set and non-empty; $1 says what they are for.
# In a dry run a missing one is a warning and gets a placeholder value.
require_env() {
  local why="$1" name missing=()
  shift
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || missing+=("$name")
  done
  ((${#missing[@]} == 0)) && return 0
  if ((DRY_RUN)); then
    warn "not set: ${missing[*]} ($why); a real run stops here"
    for name in "${missing[@]}"; do printf -v "$name" '%s' "<$name>"; done
    return 0
  fi
  die "not set: ${missing[*]} ($why)"
}
