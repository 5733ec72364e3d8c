#!/usr/bin/env bash
# Webhook → SignalR push latency (DESIGN.md: p50 <= 50 ms, p99 <= 250 ms).
#   bench/push.sh [rate count]...      default: 100 2000 and 1000 5000
# Runs a Release Webhook API and Core API on their own PostgreSQL cluster (.local/bench-pg) and measures, for each
# signed WhatsApp message posted, the time until a signed-in console receives its push.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

RUNS=("$@"); [ ${#RUNS[@]} -gt 0 ] || RUNS=(100 2000 1000 5000)
ensure_dependencies
load_secrets
log "building Release"
for p in src/WebhookApi src/CoreApi src/Migrator bench/PushLatency; do
  dotnet build "$ROOT/$p" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
done
start_postgres
"$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -d postgres -c "drop database if exists mm with (force)" -c "create database mm"
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null

# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"
trap bench_cleanup EXIT
WEBHOOK="$(free_port 5280)"; bench_start WebhookApi "$WEBHOOK"
CORE="$(free_port 5281)"; bench_start CoreApi "$CORE"

set -- "${RUNS[@]}"
while [ $# -ge 2 ]; do
  dotnet "$ROOT/bench/PushLatency/bin/Release/net10.0/PushLatency.dll" --webhook "http://127.0.0.1:$WEBHOOK/webhook" \
    --core "http://127.0.0.1:$CORE" --secret "$MM_DEMO_APP_SECRET" --email agent@demo.local --password "$MM_DEMO_PASSWORD" \
    --rate "$1" --count "$2"
  shift 2
done
