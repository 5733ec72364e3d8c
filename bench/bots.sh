#!/usr/bin/env bash
# Chatbots (issue 15; DESIGN.md: a bot step — customer message ingested → bot reply queued in the outbox — p99 <= 50 ms
# with 1,000 active sessions).
#   bench/bots.sh [sessions [N [rate]]]   sessions (1000) waiting at the Demo menu, then N (300) button taps at rate/s (20)
#                                         and N/5 at rate/10, side by side in one run
# A fresh database (migrated, seed-demo: the Demo menu flow on the US WhatsApp number) on its own PostgreSQL cluster
# (.local/bench-pg), the Webhook API (Durable), the Meta sandbox posting its signed webhooks to it and ONE Worker, all
# Release with their defaults but for where Graph is. A bench trigger stamps every chat.messages insert with
# clock_timestamp() (bench.stamps): the inbound row inside ingestion's transaction, the reply inside bot.flow_commit's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

SESSIONS="${1:-1000}"; N="${2:-300}"; RATE="${3:-20}"
ensure_dependencies
load_secrets
log "building Release"
for p in src/Worker src/MetaSandbox src/WebhookApi src/Migrator bench/BotBench; do
  dotnet build "$ROOT/$p" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
done
start_postgres
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"
trap bench_cleanup EXIT
BENCH=(dotnet "$ROOT/bench/BotBench/bin/Release/net10.0/BotBench.dll")

"${PSQL[@]}" -d postgres -c "drop database if exists mm with (force)" -c "create database mm"
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null
"${PSQL[@]}" -d mm <<'SQL'
create schema bench;
create table bench.stamps (message_id bigint, conversation_id bigint, direction text, at timestamptz default clock_timestamp());
create index on bench.stamps (conversation_id, at);
create index on bench.stamps (message_id);
create function bench.on_message() returns trigger language plpgsql as $$
begin insert into bench.stamps (message_id, conversation_id, direction) values (new.id, new.conversation_id, new.direction); return null; end $$;
create trigger bench_message after insert on chat.messages for each row execute function bench.on_message();
-- Each claim of a session by the Worker (its lease taken): ingested → claimed is ingestion's commit and the wake-up,
-- claimed → reply queued is the Worker's step and its commit.
create table bench.claims (conversation_id bigint, at timestamptz default clock_timestamp());
create index on bench.claims (conversation_id, at);
create function bench.on_claim() returns trigger language plpgsql as $$
begin insert into bench.claims (conversation_id) values (new.conversation_id); return null; end $$;
create trigger bench_claim after update of attempt_count on bot.flow_sessions
    for each row when (new.attempt_count > old.attempt_count and new.locked_by is not null) execute function bench.on_claim();
SQL
WEBHOOK="$(free_port 5380)"
bench_start WebhookApi "$WEBHOOK"
SANDBOX="$(free_port 5390)"
for i in 0 1 2 3; do export "MM_Sandbox__Accounts__${i}__AccessToken=$MM_DEMO_ACCESS_TOKEN"; done
MM_Sandbox__WebhookUrl="http://127.0.0.1:$WEBHOOK/webhook" MM_Sandbox__AppSecret="$MM_DEMO_APP_SECRET" \
  MM_Sandbox__PublicUrl="http://127.0.0.1:$SANDBOX" MM_Sandbox__Demo__Enabled=false \
  bench_start MetaSandbox "$SANDBOX"
WORKER="$(free_port 5382)"
MM_Graph__BaseAddress="http://127.0.0.1:$SANDBOX" MM_Fetch__AllowedEndpoints__0="127.0.0.1:$SANDBOX" MM_Outbox__WorkerId=w1 \
  bench_start Worker "$WORKER"
WORKER_PID="${BENCH_PIDS[-1]}"

machine() {
  log "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(dotnet --version), $("$(pg_bin)/postgres" --version)"
}
COMMON=(--db "$MM_Database__ConnectionString" --meta "http://127.0.0.1:$SANDBOX" --prefix 3481 --worker-pid "$WORKER_PID")
machine
"${BENCH[@]}" sessions "${COMMON[@]}" --count "$SESSIONS" --rate 100
# A warm-up the report leaves out (a fresh Worker compiles its code paths on the first steps).
"${BENCH[@]}" step "${COMMON[@]}" --count 40 --rate "$RATE" --offset 0 >/dev/null
machine
"${BENCH[@]}" step "${COMMON[@]}" --count "$N" --rate "$RATE" --offset 40
machine
# The same steps at a tenth of the rate, side by side in this run.
"${BENCH[@]}" step "${COMMON[@]}" --count "$((N / 5))" --rate "$(echo "$RATE" | awk '{print $1 / 10}')" --offset "$((40 + N))"
machine
