#!/usr/bin/env bash
# Mass sends (issue 13; DESIGN.md: rate within ±5 % every minute; one-to-one claim → request p99 <= 2x idle during a
# campaign; auto-stop <= 1 s after the critical signal; 0 sent twice and 0 skipped with a Worker killed).
#   bench/mass.sh rate [recipients [rate]]      default 100000 at 72/s (~23 min), replies at 5/s, idle phases 120 s
#   bench/mass.sh autostop [runs]               default 10
#   bench/mass.sh kill [recipients [rate]]      default 20000 at 100/s on two Workers, one SIGKILLed half-way
#   bench/mass.sh all                           the three, rate with 100,000
# Each scenario gets a fresh database and fresh Release services on its own PostgreSQL cluster (.local/bench-pg): the
# Webhook API (Durable), the Meta sandbox posting its signed status webhooks to it and enforcing the number's
# throughput (80/s, as Meta), and the Worker(s). The sandbox's portfolio messaging limit (TIER_250 by default) is off
# and the demo number's tier unlimited (in the sandbox too: the Worker reads it from Graph every 15 min), so 100,000 new customers can be reached; everything else is the defaults.
# 72/s is the highest rate the loop honours on a standard 80/s number: it keeps Mass:OneToOneReserve (10 %) for replies.
# Env: MASS_REPLY_RATE (5), MASS_IDLE_SECONDS (120), MASS_WARMUP_SECONDS (60: replies before the first idle phase, not
# counted, so both idle phases measure a warm Worker), MASS_CONFIRMATION_SECONDS (kill's Mass:ConfirmationWindowSeconds, 30),
# MASS_ENFORCE_THROUGHPUT (true: the sandbox refuses the 81st send in any second with 130429, as Meta).
# Every send the sandbox received is written to .local/bench-mass-sends.csv (received_at, type, to, text).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

SCENARIO="${1:-all}"; [ $# -gt 0 ] && shift
case "$SCENARIO" in rate|autostop|kill|all) ;; *) die "usage: bench/mass.sh [rate [N [rate]] | autostop [runs] | kill [N [rate]] | all]" ;; esac
ensure_dependencies
load_secrets
log "building Release"
for p in src/Worker src/MetaSandbox src/WebhookApi src/Migrator bench/MassBench; do
  dotnet build "$ROOT/$p" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
done
start_postgres
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"
trap bench_cleanup EXIT
BENCH=(dotnet "$ROOT/bench/MassBench/bin/Release/net10.0/MassBench.dll")

# A fresh database and the Webhook API + sandbox in front of it; sets WEBHOOK and SANDBOX.
fresh_platform() {
  bench_stop
  "${PSQL[@]}" -d postgres -c "drop database if exists mm with (force)" -c "create database mm"
  dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
  dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null
  # The claim of each one-to-one reply, stamped inside the claim's statement (claim → request, see MassBench/Replies.cs).
  "${PSQL[@]}" -d mm <<'SQL'
update meta.accounts set messaging_limit = 'TIER_UNLIMITED' where external_id = '1122334455667';
create schema bench;
create table bench.claims (outbox_id bigint, claimed_at timestamptz default clock_timestamp());
create function bench.on_claim() returns trigger language plpgsql as $$
begin insert into bench.claims (outbox_id) values (new.id); return null; end $$;
create trigger bench_claim after update of attempt_count on ops.outbox
    for each row when (new.attempt_count > old.attempt_count) execute function bench.on_claim();
SQL
  WEBHOOK="$(free_port 5380)"
  bench_start WebhookApi "$WEBHOOK"
  SANDBOX="$(free_port 5390)"
  local i; for i in 0 1 2 3; do export "MM_Sandbox__Accounts__${i}__AccessToken=$MM_DEMO_ACCESS_TOKEN"; done
  MM_Sandbox__WebhookUrl="http://127.0.0.1:$WEBHOOK/webhook" MM_Sandbox__AppSecret="$MM_DEMO_APP_SECRET" \
    MM_Sandbox__Accounts__0__MessagingLimitTier=TIER_UNLIMITED \
    MM_Sandbox__SentCapacity=1000000 MM_Sandbox__Limits__EnforceThroughput="${MASS_ENFORCE_THROUGHPUT:-true}" MM_Sandbox__Limits__EnforceMessagingLimit=false \
    bench_start MetaSandbox "$SANDBOX" "--Logging:LogLevel:MultichannelMessages.MetaSandbox.Messages.MessageServices=Debug"
}

start_worker() { # id port: sets WORKER_PID (Mass:ConfirmationWindowSeconds from CONFIRMATION_SECONDS, default 300)
  MM_Graph__BaseAddress="http://127.0.0.1:$SANDBOX" MM_Outbox__WorkerId="$1" BENCH_LOG="Worker-$1" \
    MM_Mass__ConfirmationWindowSeconds="${CONFIRMATION_SECONDS:-300}" bench_start Worker "$2"
  WORKER_PID="${BENCH_PIDS[-1]}"
}

refusals() { # Meta's refusals the sandbox answered (its debug log), by code
  grep -o "refused with code [0-9]*" "$ROOT/.local/bench-MetaSandbox.log" | sort | uniq -c | sed 's/^ */  /' || echo "  none"
}

machine() {
  log "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(dotnet --version), $("$(pg_bin)/postgres" --version)"
}

run_rate() {
  local n="${1:-100000}" rate="${2:-72}"
  log "rate: $n recipients at $rate/s, replies at ${MASS_REPLY_RATE:-5}/s"
  fresh_platform
  local worker; worker="$(free_port 5382)"
  start_worker w1 "$worker"
  machine
  "${BENCH[@]}" rate --db "$MM_Database__ConnectionString" --sandbox "http://127.0.0.1:$SANDBOX" --worker "http://127.0.0.1:$worker" \
    --csv "$ROOT/.local/bench-mass-sends.csv" \
    --count "$n" --rate "$rate" --reply-rate "${MASS_REPLY_RATE:-5}" --idle-seconds "${MASS_IDLE_SECONDS:-120}" \
    --warmup-seconds "${MASS_WARMUP_SECONDS:-60}"
  echo "sandbox refusals:"; refusals
  machine
}

run_autostop() {
  log "autostop: ${1:-10} runs"
  fresh_platform
  start_worker w1 "$(free_port 5382)"
  "${BENCH[@]}" autostop --db "$MM_Database__ConnectionString" --sandbox "http://127.0.0.1:$SANDBOX" \
    --webhook "http://127.0.0.1:$WEBHOOK/webhook" --secret "$MM_DEMO_APP_SECRET" --runs "${1:-10}"
  echo "sandbox refusals:"; refusals
}

run_kill() {
  local n="${1:-20000}" rate="${2:-100}"
  log "kill: $n recipients at $rate/s, two Workers"
  fresh_platform
  curl -fsS -X POST -H 'content-type: application/json' -d '{"mps": 1000}' \
    "http://127.0.0.1:$SANDBOX/sandbox/accounts/1122334455667/throughput" >/dev/null
  CONFIRMATION_SECONDS="${MASS_CONFIRMATION_SECONDS:-30}" start_worker w1 "$(free_port 5382)"
  CONFIRMATION_SECONDS="${MASS_CONFIRMATION_SECONDS:-30}" start_worker w2 "$(free_port 5384)"
  "${BENCH[@]}" kill --db "$MM_Database__ConnectionString" --sandbox "http://127.0.0.1:$SANDBOX" \
    --kill-pid "$WORKER_PID" --kill-worker w2 --count "$n" --rate "$rate"
  echo "sandbox refusals:"; refusals
}

case "$SCENARIO" in
  rate) run_rate "$@" ;;
  autostop) run_autostop "$@" ;;
  kill) run_kill "$@" ;;
  all) run_rate; run_autostop; run_kill ;;
esac
