#!/usr/bin/env bash
# Webhook ingestion benchmark (DESIGN.md targets: durable ack p50 <= 5 ms / p99 <= 25 ms at 5,000 events/s;
# sustained >= 10,000 events/s, nothing lost, no duplicate).
#
#   bench/webhook.sh [rates...]        default rates: 1000 2500 5000, then closed-loop max, then the bare ceiling
#
# Runs a Release Webhook API (Durable mode) on its own PostgreSQL cluster (.local/bench-pg, fsync on, as in
# production), posts signed WhatsApp payloads with bench/WebhookLoad, and after every run checks that each
# acknowledged event is in chat.messages exactly once. Results (JSON) go to .local/bench/; copy the summary into
# bench/RESULTS.md with the date and machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

RATES=("$@"); [ ${#RATES[@]} -gt 0 ] || RATES=(1000 2500 5000)
DURATION="${MM_BENCH_DURATION:-15}"
WARMUP="${MM_BENCH_WARMUP:-3}"
OUT="$ROOT/.local/bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"

ensure_dependencies
load_secrets
log "building Release"
dotnet build "$ROOT/src/WebhookApi" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
dotnet build "$ROOT/src/Migrator" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
dotnet build "$ROOT/bench/WebhookLoad" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
LOAD="$ROOT/bench/WebhookLoad/bin/Release/net10.0/WebhookLoad.dll"

start_postgres
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c "drop database if exists mm with (force)" -c "create database mm"
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null

PORT="$(free_port 5180)"
cleanup() {
  [ -n "${API_PID:-}" ] && kill -TERM "$API_PID" 2>/dev/null
  as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
start_api() { # ack mode
  MM_Ingest__AckMode="$1" MM_Logging__Json=false ASPNETCORE_ENVIRONMENT=Production \
    dotnet "$ROOT/src/WebhookApi/bin/Release/net10.0/WebhookApi.dll" --urls "http://127.0.0.1:$PORT" \
    --contentRoot "$ROOT/src/WebhookApi/bin/Release/net10.0" > "$OUT/webhook-api-$1.log" 2>&1 &
  API_PID=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "Webhook API did not start (see $OUT/webhook-api-$1.log)"
}
stop_api() { kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null || true; API_PID=; }

verify() { # every acknowledged wamid stored exactly once
  local run=$1 acked=$2
  "${PSQL[@]}" -d mm -tA <<SQL
create temp table acked (id text primary key);
\copy acked from '$acked'
select format('verify %s: acked=%s missing=%s duplicates=%s', '$run',
  (select count(*) from acked),
  (select count(*) from acked a where not exists (select 1 from chat.messages m where m.provider_message_id = a.id)),
  (select count(*) from (select provider_message_id from chat.messages where provider_message_id like 'wamid.bench-$run-%'
                         group by 1 having count(*) > 1) d));
SQL
}

run_load() { # name, extra args...
  local name=$1; shift
  dotnet "$LOAD" --secret "$MM_DEMO_APP_SECRET" --run-id "$name" --duration "$DURATION" --warmup "$WARMUP" \
    --json "$OUT/$name.json" "$@" | tee "$OUT/$name.txt"
}

start_api Durable
for rate in "${RATES[@]}"; do
  log "durable, open loop at $rate events/s"
  run_load "r$rate" --url "http://127.0.0.1:$PORT/webhook" --rate "$rate" --acked-file "$OUT/r$rate.acked"
  verify "r$rate" "$OUT/r$rate.acked" | tee -a "$OUT/verify.txt"
done
log "durable, closed loop (sustained maximum)"
run_load "max" --url "http://127.0.0.1:$PORT/webhook" --rate 0 --concurrency 256 --acked-file "$OUT/max.acked"
verify "max" "$OUT/max.acked" | tee -a "$OUT/verify.txt"
stop_api

log "fast ack mode (the case study's): open loop at the highest rate, then closed loop"
start_api Fast
run_load "fast-r${RATES[-1]}" --url "http://127.0.0.1:$PORT/webhook" --rate "${RATES[-1]}" --acked-file "$OUT/fast.acked"
run_load "fast-max" --url "http://127.0.0.1:$PORT/webhook" --rate 0 --concurrency 256 --acked-file "$OUT/fast-max.acked"
stop_api   # SIGTERM drains the queue before the check
verify "fast-r${RATES[-1]}" "$OUT/fast.acked" | tee -a "$OUT/verify.txt"
verify "fast-max" "$OUT/fast-max.acked" | tee -a "$OUT/verify.txt"

log "bare endpoint (ceiling), same loads"
for rate in "${RATES[@]}"; do run_load "bare-r$rate" --bare --rate "$rate"; done
run_load "bare-max" --bare --rate 0 --concurrency 256

log "results in ${OUT#$ROOT/}"
