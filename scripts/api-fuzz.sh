#!/usr/bin/env bash
# Checks docs/openapi.yaml against the running constraint-server with schemathesis, a
# property-based API fuzzer from PyPI: every response must match the document (status, headers,
# content type, body schema), schema-valid requests must be decided, schema-invalid ones
# refused, and no 5xx other than the documented 503 may appear.
#
# The server is run in three states, each on a free loopback port:
#   ready     the shipped rules (checks answer 200 or 422; the admin endpoint needs the token)
#   degraded  a broken rule file (checks answer 503 with Retry-After; ready is 503)
#   bypassed  EVALUATOR_BYPASS=true (checks answer 200 bypassed; ready is 503)
#
# Usage: scripts/api-fuzz.sh [MAX_EXAMPLES]     (default 40 per operation and phase)
# CONSTRAINT_SERVER=path picks the binary (default .build/debug/constraint-server, built if
# missing). The virtualenv is kept in .build-api-fuzz/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXAMPLES=${1:-40}
SCHEMATHESIS_VERSION=4.32.5
VENV=.build-api-fuzz/venv
SERVER=${CONSTRAINT_SERVER:-.build/debug/constraint-server}

if [ ! -x "$SERVER" ]; then
  swift build --product constraint-server
fi
if [ ! -x "$VENV/bin/schemathesis" ] \
  || ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION"
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "${API_FUZZ_KEEP:-}" ]; then echo "api-fuzz: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

TOKEN="api-fuzz-admin-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$TOKEN" > "$WORK/token"

# run STATE: start the server in STATE, fuzz it, stop it (it must exit 0).
run() {
  local state=$1
  local rules="$WORK/rules-$state"
  mkdir -p "$rules"
  cp Rules/*.constraints.json "$rules/"
  local environment=()
  local extra=()
  case $state in
    degraded) sed -i 's/bigint_gte(budget.limit_micro, budget.spent_micro)/bigint_gte(budget.limit_micro/' \
      "$rules/billing.constraints.json" ;;
    # Break-glass checks nothing, so a schema-invalid snapshot is "accepted" (200 bypassed):
    # that is what bypass means; every other check still applies.
    bypassed)
      environment=(EVALUATOR_BYPASS=true)
      extra=(--exclude-checks negative_data_rejection)
      ;;
  esac
  local log="$WORK/server-$state.log"
  : > "$log"
  env ${environment[@]+"${environment[@]}"} "$SERVER" --rules "$rules" --port 0 --admin-token-file "$WORK/token" \
    2> "$log" &
  SERVER_PID=$!
  local port=
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.* listening .*port=\([0-9]*\).*/\1/p' "$log" | head -n 1 || true)
    [ -n "$port" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log"; echo "api-fuzz: the server died"; exit 1; }
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$log"; echo "api-fuzz: the server did not start"; exit 1; }

  echo "api-fuzz: $state server on port $port"
  local status=0
  (cd scripts/api-fuzz && "../../$VENV/bin/schemathesis" run ../../docs/openapi.yaml \
    --url "http://127.0.0.1:$port" --checks all --workers 2 \
    --max-examples "$MAX_EXAMPLES" --seed 20260101 \
    --phases examples,coverage,fuzzing \
    -H "Authorization: Bearer $TOKEN" --request-timeout 10 --report har --report-dir "$WORK/report-$state" ${extra[@]+"${extra[@]}"}) || status=$?

  kill -TERM "$SERVER_PID"
  local exit_status=0
  wait "$SERVER_PID" || exit_status=$?
  SERVER_PID=
  if [ "$exit_status" -ne 0 ]; then
    tail -n 20 "$log"
    echo "api-fuzz: the $state server exited $exit_status after SIGTERM"
    exit 1
  fi
  if [ "$status" -ne 0 ]; then
    echo "api-fuzz: schemathesis found problems against the $state server"
    exit "$status"
  fi
}

run ready
run degraded
run bypassed
echo "api-fuzz: docs/openapi.yaml holds against the server (ready, degraded, bypassed)"
