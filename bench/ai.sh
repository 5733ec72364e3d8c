#!/usr/bin/env bash
# AI agents (issue 14; DESIGN.md: Worker overhead per AI turn, model time excluded, p99 <= 25 ms; 100 concurrent AI
# conversations on one Worker; a one-minute voice note transcribed and searchable end to end).
#   bench/ai.sh overhead [N [rate]]     N customers (300) at rate/s (20), model latency 0 ms, then again at AI_LATENCY_MS (500),
#                                       then N/5 at rate/10 (latency 0)
#   bench/ai.sh concurrent [N [ms]]     N customers (100) writing at once, model latency ms (1500)
#   bench/ai.sh voice [runs]            one-minute voice notes (5), webhook → downloaded → transcribed → searchable
#   bench/ai.sh all                     the three, defaults
# Each scenario gets a fresh database (migrated, seed-demo) on its own PostgreSQL cluster (.local/bench-pg) and fresh
# Release services: the Webhook API (Durable), the Meta sandbox posting its signed webhooks to it, the OpenAI sandbox
# (no rules file: the bench posts its own; the model's latency is a `timeout` fault on chat, which holds each request
# and then answers it) and ONE Worker, defaults but for where Graph, the media store and the sandbox's download URLs
# are. AiBench setup gives the demo project a provider pointed at the OpenAI sandbox (key encrypted with the services'
# master key), a published agent answering first on the demo WhatsApp number (debounce 1 s) and a manual.
# The bench's triggers stamp, with clock_timestamp(), each AI claim (bench.ai_claims), each media download's end
# (bench.media_stamps) and each transcript's arrival (bench.ai_text_stamps). Needs opusenc (opus-tools) for voice.
# Env: AI_WARMUP (600: turns at the rate before overhead's first phase; a cold Worker spends its first ~20 s at 20/s
# JIT-compiling, bench/RESULTS.md); AI_LATENCY_MS (500, overhead's second phase); AI_EMBEDDING_MS (unset: the provider has no embedding model; set:
# it has one, the manual is embedded and the sandbox holds every embedding that long, the manual's query included).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

SCENARIO="${1:-all}"; [ $# -gt 0 ] && shift
case "$SCENARIO" in overhead|concurrent|voice|all) ;; *) die "usage: bench/ai.sh [overhead [N [rate]] | concurrent [N [ms]] | voice [runs] | all]" ;; esac
ensure_dependencies
if ! command -v opusenc >/dev/null && [ "$SCENARIO" = voice -o "$SCENARIO" = all ]; then
  [ "$(id -u)" = 0 ] || die "the voice scenario needs opusenc: apt-get install opus-tools"
  log "installing opus-tools"
  apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq opus-tools >/dev/null
fi
load_secrets
log "building Release"
for p in src/Worker src/MetaSandbox src/OpenAiSandbox src/WebhookApi src/Migrator bench/AiBench; do
  dotnet build "$ROOT/$p" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
done
start_postgres
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"
trap bench_cleanup EXIT
BENCH=(dotnet "$ROOT/bench/AiBench/bin/Release/net10.0/AiBench.dll")
MEDIA="$ROOT/.local/bench-ai-media"

# A fresh database, the services in front of it, the agent, and one Worker; sets WEBHOOK, SANDBOX, OPENAI, WORKER(_PID).
fresh_platform() {
  bench_stop
  "${PSQL[@]}" -d postgres -c "drop database if exists mm with (force)" -c "create database mm"
  dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
  dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null
  "${PSQL[@]}" -d mm <<'SQL'
create schema bench;
create table bench.ai_claims (conversation_id bigint, due_at timestamptz, claimed_at timestamptz default clock_timestamp());
create function bench.on_ai_claim() returns trigger language plpgsql as $$
begin insert into bench.ai_claims (conversation_id, due_at) values (new.conversation_id, old.due_at); return null; end $$;
create trigger bench_ai_claim after update of attempt_count on bot.ai_conversations
    for each row when (new.attempt_count > old.attempt_count and new.locked_by is not null) execute function bench.on_ai_claim();
create table bench.media_stamps (media_id bigint, status text, at timestamptz default clock_timestamp());
create function bench.on_media() returns trigger language plpgsql as $$
begin insert into bench.media_stamps (media_id, status) values (new.id, new.download_status); return null; end $$;
create trigger bench_media after update of download_status on chat.media
    for each row when (new.download_status is distinct from old.download_status) execute function bench.on_media();
create table bench.ai_text_stamps (message_id bigint, at timestamptz default clock_timestamp());
create function bench.on_ai_text() returns trigger language plpgsql as $$
begin insert into bench.ai_text_stamps (message_id) values (new.id); return null; end $$;
create trigger bench_ai_text after update of ai_text on chat.messages
    for each row when (new.ai_text is not null and old.ai_text is null) execute function bench.on_ai_text();
SQL
  rm -rf "$MEDIA"
  WEBHOOK="$(free_port 5380)"
  bench_start WebhookApi "$WEBHOOK"
  SANDBOX="$(free_port 5390)"
  local i; for i in 0 1 2 3; do export "MM_Sandbox__Accounts__${i}__AccessToken=$MM_DEMO_ACCESS_TOKEN"; done
  MM_Sandbox__WebhookUrl="http://127.0.0.1:$WEBHOOK/webhook" MM_Sandbox__AppSecret="$MM_DEMO_APP_SECRET" \
    MM_Sandbox__PublicUrl="http://127.0.0.1:$SANDBOX" MM_Sandbox__Demo__Enabled=false \
    bench_start MetaSandbox "$SANDBOX"
  OPENAI="$(free_port 5395)"
  MM_OPENAI_Sandbox__RulesFile="" bench_start OpenAiSandbox "$OPENAI"
  "${BENCH[@]}" setup --db "$MM_Database__ConnectionString" --openai "http://127.0.0.1:$OPENAI" \
    --embeddings "$([ -n "${AI_EMBEDDING_MS:-}" ] && echo true || echo false)"
  WORKER="$(free_port 5382)"
  MM_Graph__BaseAddress="http://127.0.0.1:$SANDBOX" MM_Fetch__AllowedEndpoints__0="127.0.0.1:$SANDBOX" MM_Media__Root="$MEDIA" \
    MM_Outbox__WorkerId=w1 bench_start Worker "$WORKER"
  WORKER_PID="${BENCH_PIDS[-1]}"
  for _ in $(seq 1 150); do
    [ "$("${PSQL[@]}" -d mm -tAc "select count(*) from bot.ai_documents where status = 'ready'")" = 1 ] && return 0; sleep 0.2
  done
  die "the agent's manual was not read (see .local/bench-Worker.log)"
}

machine() {
  log "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(dotnet --version), $("$(pg_bin)/postgres" --version)"
}

common() {
  echo --db "$MM_Database__ConnectionString" --meta "http://127.0.0.1:$SANDBOX" --openai "http://127.0.0.1:$OPENAI" --worker-pid "$WORKER_PID" \
    --embedding-latency-ms "${AI_EMBEDDING_MS:-0}"
}

run_overhead() {
  local n="${1:-300}" rate="${2:-20}"
  fresh_platform
  # Side by side in one run: no model latency, then a model's.
  machine
  # shellcheck disable=SC2046
  "${BENCH[@]}" overhead $(common) --count "$n" --rate "$rate" --latency-ms 0 --warmup "${AI_WARMUP:-600}" --prefix 3461
  machine
  # shellcheck disable=SC2046
  "${BENCH[@]}" overhead $(common) --count "$n" --rate "$rate" --latency-ms "${AI_LATENCY_MS:-500}" --prefix 3462
  machine
  # The same turns at a tenth of the rate: the Worker's overhead with little else in flight.
  # shellcheck disable=SC2046
  "${BENCH[@]}" overhead $(common) --count "$((n / 5))" --rate "$(echo "$rate" | awk '{print $1 / 10}')" --latency-ms 0 --prefix 3463
  machine
}

run_concurrent() {
  local n="${1:-100}" ms="${2:-1500}"
  fresh_platform
  machine
  # shellcheck disable=SC2046
  "${BENCH[@]}" concurrent $(common) --count "$n" --latency-ms "$ms" --prefix 3471
  machine
}

run_voice() {
  fresh_platform
  machine
  # shellcheck disable=SC2046
  "${BENCH[@]}" voice $(common) --webhook "http://127.0.0.1:$WEBHOOK/webhook" --secret "$MM_DEMO_APP_SECRET" \
    --token "$MM_DEMO_ACCESS_TOKEN" --runs "${1:-5}"
  machine
}

case "$SCENARIO" in
  overhead) run_overhead "$@" ;;
  concurrent) run_concurrent "$@" ;;
  voice) run_voice "$@" ;;
  all) run_overhead; run_concurrent; run_voice ;;
esac
