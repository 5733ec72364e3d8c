#!/usr/bin/env bash
# A soak (issue 19): an hour of a small-medium business's mixed traffic on one 2-core machine — customers writing to a
# support line that people answer, agents replying from the console, a campaign sending all the while, customers
# talking to the AI agent and to the chatbot — and whether memory, latency and queue depths stay flat.
#   bench/soak.sh                      SOAK_MINUTES (60) of traffic; SOAK_MINUTES=3 bench/soak.sh for a quick check
# Rates per second, and the rest (env):
SOAK_MINUTES="${SOAK_MINUTES:-60}"
SOAK_INBOUND_RATE="${SOAK_INBOUND_RATE:-10}"      # customers' messages to the support line (signed webhooks, Durable ack timed)
SOAK_REPLY_RATE="${SOAK_REPLY_RATE:-3}"           # agents' replies through the Core API (three signed-in agents, consoles open)
SOAK_CAMPAIGN_RATE="${SOAK_CAMPAIGN_RATE:-10}"    # campaign sends (audience: rate × (minutes + 10) × 60, so it never runs out)
SOAK_AI_RATE="${SOAK_AI_RATE:-0.5}"               # customers' messages to the AI agent (3-turn conversations)
SOAK_BOT_RATE="${SOAK_BOT_RATE:-0.5}"             # customers' messages to the Demo menu bot (3-turn conversations)
SOAK_AI_LATENCY_MS="${SOAK_AI_LATENCY_MS:-800}"   # the model's time on every chat completion (a hold at the OpenAI sandbox)
SOAK_CUSTOMERS="${SOAK_CUSTOMERS:-3000}"          # customers writing to the support line
SOAK_SAMPLE_SECONDS="${SOAK_SAMPLE_SECONDS:-60}"
# A fresh database (migrated; seed-demo with the AI agent on the demo number, as ./mm run seeds it, and the Demo menu
# bot on the US number) on its own PostgreSQL cluster (.local/bench-pg), and fresh Release services, each with its
# defaults but for where the others are: the Webhook API (Durable; /metrics on a loopback management port), the Core
# API, one Worker, the Meta sandbox (posting its signed webhooks to the Webhook API, holding every number to Meta's
# 80 messages/s; messaging-limit tiers off and the demo number unlimited so the campaign can reach 40,000 new
# customers; one more WhatsApp number, the support line, which an admin connects through the Core API at the start)
# and the OpenAI sandbox (its demo rules play the model). Every 60 s a row goes to .local/bench-soak.csv: resident
# memory (VmRSS) of each process and its managed heap, PostgreSQL's memory (the sum of its processes' proportional set
# sizes), the minute's latencies, queue depths, the database's size. At the end:
# totals (nothing sent twice, by the Meta sandbox's record) and each metric's first 10 minutes against its last 10.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

# The support line: a number of the sandbox's (account 4), connected by the soak as an admin would.
LINE=5550100200301 LINE_WABA=5550100200300 LINE_DISPLAY=15550100201
CSV="$ROOT/.local/bench-soak.csv"

ensure_dependencies
load_secrets
log "building Release"
for p in src/WebhookApi src/CoreApi src/Worker src/MetaSandbox src/OpenAiSandbox src/Migrator bench/Soak; do
  dotnet build "$ROOT/$p" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
done
start_postgres
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"
trap bench_cleanup EXIT

"${PSQL[@]}" -d postgres -c "drop database if exists mm with (force)" -c "create database mm"
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
OPENAI="$(free_port 5395)"   # chosen before seeding: the demo AI agent's provider points at it
MM_DEMO_OPENAI_BASE_URL="http://127.0.0.1:$OPENAI/v1" dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null
"${PSQL[@]}" -d mm -c "update meta.accounts set messaging_limit = 'TIER_UNLIMITED' where external_id = '1122334455667'"
MEDIA="$ROOT/.local/bench-soak-media"; rm -rf "$MEDIA" "$CSV"
export MM_Media__Root="$MEDIA"   # the Core API and the Worker share the store

WEBHOOK="$(free_port 5380)"; WEBHOOK_MANAGEMENT="$(free_port 5389)"
MM_Management__Port="$WEBHOOK_MANAGEMENT" bench_start WebhookApi "$WEBHOOK"; WEBHOOK_PID="${BENCH_PIDS[-1]}"
SANDBOX="$(free_port 5390)"
for i in 0 1 2 3; do export "MM_Sandbox__Accounts__${i}__AccessToken=$MM_DEMO_ACCESS_TOKEN"; done
MM_Sandbox__WebhookUrl="http://127.0.0.1:$WEBHOOK/webhook" MM_Sandbox__AppSecret="$MM_DEMO_APP_SECRET" \
  MM_Sandbox__PublicUrl="http://127.0.0.1:$SANDBOX" MM_Sandbox__Demo__Enabled=false \
  MM_Sandbox__Accounts__0__MessagingLimitTier=TIER_UNLIMITED \
  MM_Sandbox__Accounts__4__Id="$LINE" MM_Sandbox__Accounts__4__Kind=whatsapp MM_Sandbox__Accounts__4__WabaId="$LINE_WABA" \
  MM_Sandbox__Accounts__4__DisplayPhoneNumber="$LINE_DISPLAY" MM_Sandbox__Accounts__4__Name="Soak support line" \
  MM_Sandbox__Accounts__4__AccessToken="$MM_DEMO_ACCESS_TOKEN" \
  MM_Sandbox__SentCapacity=1000000 MM_Sandbox__Limits__EnforceThroughput=true MM_Sandbox__Limits__EnforceMessagingLimit=false \
  bench_start MetaSandbox "$SANDBOX" "--Logging:LogLevel:MultichannelMessages.MetaSandbox.Messages.MessageServices=Debug"
SANDBOX_PID="${BENCH_PIDS[-1]}"
bench_start OpenAiSandbox "$OPENAI"; OPENAI_PID="${BENCH_PIDS[-1]}"
CORE="$(free_port 5381)"; bench_start CoreApi "$CORE"; CORE_PID="${BENCH_PIDS[-1]}"
WORKER="$(free_port 5382)"
MM_Graph__BaseAddress="http://127.0.0.1:$SANDBOX" MM_Fetch__AllowedEndpoints__0="127.0.0.1:$SANDBOX" MM_Outbox__WorkerId=w1 \
  bench_start Worker "$WORKER"; WORKER_PID="${BENCH_PIDS[-1]}"

machine() { # the services were built from this commit, plus any uncommitted change in src/ or db/ (a shared tree)
  log "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(dotnet --version), $("$(pg_bin)/postgres" --version), commit $(git -C "$ROOT" rev-parse --short HEAD), $(git -C "$ROOT" status --porcelain -- src db | wc -l) uncommitted file(s) in src/ db/"
}
machine
status=0
dotnet "$ROOT/bench/Soak/bin/Release/net10.0/Soak.dll" --db "$MM_Database__ConnectionString" \
  --webhook "http://127.0.0.1:$WEBHOOK/webhook" --webhook-metrics "http://127.0.0.1:$WEBHOOK_MANAGEMENT/metrics" \
  --core "http://127.0.0.1:$CORE" --worker-metrics "http://127.0.0.1:$WORKER/metrics" \
  --meta "http://127.0.0.1:$SANDBOX" --openai "http://127.0.0.1:$OPENAI" \
  --secret "$MM_DEMO_APP_SECRET" --password "$MM_DEMO_PASSWORD" --access-token "$MM_DEMO_ACCESS_TOKEN" \
  --line "$LINE" --line-waba "$LINE_WABA" --line-display "$LINE_DISPLAY" --customers "$SOAK_CUSTOMERS" \
  --pids "webhook=$WEBHOOK_PID,core=$CORE_PID,worker=$WORKER_PID,meta_sandbox=$SANDBOX_PID,openai_sandbox=$OPENAI_PID" \
  --postmaster "$(head -1 "$PGDATA/postmaster.pid")" --csv "$CSV" \
  --minutes "$SOAK_MINUTES" --sample-seconds "$SOAK_SAMPLE_SECONDS" --inbound-rate "$SOAK_INBOUND_RATE" --reply-rate "$SOAK_REPLY_RATE" \
  --campaign-rate "$SOAK_CAMPAIGN_RATE" --ai-rate "$SOAK_AI_RATE" --bot-rate "$SOAK_BOT_RATE" --ai-latency-ms "$SOAK_AI_LATENCY_MS" || status=$?
echo "Meta sandbox refusals (its debug log), by code:"
grep -o "refused with code [0-9]*" "$ROOT/.local/bench-MetaSandbox.log" | sort | uniq -c | sed 's/^ */  /' || echo "  none"
echo "per-minute rows: ${CSV#$ROOT/}"
machine
exit "$status"
