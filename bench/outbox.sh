#!/usr/bin/env bash
# Outbox → sandbox sends with one Worker (DESIGN.md: >= 1,000 sends/s; claim → request p99 <= 20 ms).
#   bench/outbox.sh [messages]          default 20000
# Queues N outbound WhatsApp messages (to N/10 customers) straight into chat.messages + ops.outbox, then starts one
# Release Worker against the Meta sandbox (webhooks off, so only the send path is measured) and times the drain.
# Pacing is off: the per-number and per-recipient limits are Meta policy, not the pump's speed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

N="${1:-20000}"
ensure_dependencies
load_secrets
log "building Release"
for p in src/Worker src/MetaSandbox src/Migrator; do dotnet build "$ROOT/$p" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null; done
start_postgres
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c "drop database if exists mm with (force)" -c "create database mm"
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null

log "queueing $N messages"
"${PSQL[@]}" -d mm <<SQL
with a as (select id, project_id from meta.accounts where external_id = '1122334455667'),
c as (insert into chat.contacts (project_id, channel, external_id)
      select a.project_id, 'whatsapp', '3480' || lpad(g::text, 7, '0') from a, generate_series(1, greatest($N / 10, 1)) g returning id, project_id),
cv as (insert into chat.conversations (project_id, account_id, contact_id, channel)
       select c.project_id, a.id, c.id, 'whatsapp' from c, a returning id, project_id, account_id)
insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at, client_message_id)
select cv.project_id, cv.id, cv.account_id, 'out', 'text', 'bench ' || g, 'queued', 0, now(), 'bench-' || cv.id || '-' || g
from cv, generate_series(1, 10) g;
insert into ops.outbox (project_id, account_id, message_id) select project_id, account_id, id from chat.messages where direction = 'out';
SQL

# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"
trap bench_cleanup EXIT
SANDBOX="$(free_port 5390)"
for i in 0 1 2 3; do export "MM_Sandbox__Accounts__${i}__AccessToken=$MM_DEMO_ACCESS_TOKEN"; done
MM_Sandbox__WebhookUrl="" bench_start MetaSandbox "$SANDBOX"
WORKER="$(free_port 5382)"
started=$(date +%s.%N)
MM_Graph__BaseAddress="http://127.0.0.1:$SANDBOX" MM_Pacing__Enabled=false bench_start Worker "$WORKER"
while [ "$("${PSQL[@]}" -d mm -tAc "select count(*) from ops.outbox where completed_at is null")" != 0 ]; do sleep 0.5; done
ended=$(date +%s.%N)
sent=$(curl -s "http://127.0.0.1:$SANDBOX/sandbox/sent/count" | sed -E 's/.*"count":([0-9]+).*/\1/')
awk -v n="$N" -v s="$started" -v e="$ended" -v sent="$sent" 'BEGIN { printf "outbox drained: %d messages in %.1f s (worker start included) = %.0f sends/s; sandbox received %d\n", n, e - s, n / (e - s), sent }'
"${PSQL[@]}" -d mm -tAc "select 'sent ' || count(*) filter (where status = 'sent') || ', failed ' || count(*) filter (where status = 'failed') from chat.messages where direction = 'out'"
curl -s "http://127.0.0.1:$WORKER/metrics" | grep -E "^outbox_claim_to_request_milliseconds_(bucket|sum|count)" > "$ROOT/.local/bench-outbox-metrics.txt"
python3 - "$ROOT/.local/bench-outbox-metrics.txt" <<'PY'
import re, sys
buckets, total = [], 0
for line in open(sys.argv[1]):
    m = re.search(r'le="([^"]+)"\}\s+(\d+)', line)
    if "_bucket" in line and m: buckets.append((float(m.group(1)), int(m.group(2))))
    elif "_count" in line: total = int(line.split()[-1])
for q in (0.5, 0.99):
    le = next((le for le, c in buckets if c >= q * total), float("inf"))
    print(f"claim→request p{int(q * 100)} <= {le:g} ms (histogram bucket bound, {total} sends)")
PY
