#!/usr/bin/env bash
# Legacy import (issue 18): messages per second through `Migrator import`, and the inbox's first page while it runs.
#   bench/import.sh [messages] [conversations]     default 1000000 20000
#   IMPORT_BATCH=10000 bench/import.sh             lines per batch (the Migrator's --batch; default 5000)
#   IMPORT_MAX_RATE=4000 bench/import.sh           the import capped at that many messages/s (--max-rate)
#   IMPORT_SECONDS=10                              pgbench seconds for the idle baseline of the inbox's first page
#   IMPORT_JIT=on                                  the database with jit = on (the default before migration 0062)
#   IMPORT_CONNECTIONS=1                           the Migrator's --connections (default 2: two batches in flight)
#   IMPORT_READER_RATE=0                           the first page's reads during the import, per second (default 50: fifty
#                                                  agents opening their inbox every second; 0 = one client back to back,
#                                                  which takes a core of its own, as this bench did before 2026-12-07)
# A fresh database with the real schema and the demo project; a generated generic-format file (one WhatsApp number,
# M customers and conversations, N text messages half inbound, half outbound with statuses and a Meta id); then
#   1. the inbox's first page (chat.list_conversations as the Core API calls it, 50 rows, an admin) alone: p50/p99;
#   2. the import, with the same pgbench running beside it for the whole import (IMPORT_READER_RATE reads a second):
#      messages/s (the Migrator's own meter, from the first batch to the last) and the first page's p50/p99 during it;
#   3. the inbox's first page again, idle, on the data after the import (what the import itself costs the reads is the
#      difference between 2 and this, not between 1 and 2: the project holds M more conversations now);
#   4. the same file again (everything present): lines/s.
# Results: .local/bench-import/<time>/summary.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"
# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"

N="${1:-1000000}"
M="${2:-20000}"
BATCH="${IMPORT_BATCH:-5000}"
CONNECTIONS="${IMPORT_CONNECTIONS:-2}"
READER_RATE="${IMPORT_READER_RATE:-50}"
RATE_ARGS=()
[ -n "${IMPORT_MAX_RATE:-}" ] && RATE_ARGS=(--max-rate "$IMPORT_MAX_RATE")
IDLE_SECONDS="${IMPORT_SECONDS:-10}"
OUT="$ROOT/.local/bench-import/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
ensure_dependencies
load_secrets
log "building Release"
dotnet build "$ROOT/src/Migrator" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
start_postgres
trap bench_cleanup EXIT
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
CS="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=mm_import"
"${PSQL[@]}" -d postgres -c "drop database if exists mm_import with (force)" -c "create database mm_import"
MM_Database__ConnectionString="$CS" dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
MM_Database__ConnectionString="$CS" dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null
# IMPORT_JIT=on: the database with PostgreSQL's default jit = on, as it was before migration 0062 (JIT's cost, side by side)
if [ "${IMPORT_JIT:-}" = on ]; then "${PSQL[@]}" -d postgres -c "alter database mm_import set jit = on"; fi

FILE="$ROOT/.local/bench-import/import-$N-$M.jsonl"
if [ ! -s "$FILE" ]; then
  log "generating $N messages over $M conversations"
  python3 - "$N" "$M" "$FILE" <<'PY'
import json, random, sys
from datetime import datetime, timedelta, timezone
n, m, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
random.seed(18)
words = ("hola pedido envío talla gracias precio factura devolución mañana tienda hello order shipping size thanks "
         "price invoice refund tomorrow store").split()
start = datetime(2024, 1, 1, tzinfo=timezone.utc)
with open(out, "w", encoding="utf-8") as f:
    w = lambda r: f.write(json.dumps(r, ensure_ascii=False) + "\n")
    w({"type": "account", "v": 1, "id": "acc", "channel": "whatsapp", "externalId": "1065550123", "wabaId": "waba-bench"})
    w({"type": "agent", "v": 1, "id": "ag", "email": "bench.import@demo.local", "name": "Bench"})
    for c in range(m):
        w({"type": "contact", "v": 1, "id": f"c{c}", "channel": "whatsapp", "externalId": str(34611000000 + c), "name": f"Cliente {c}"})
    for c in range(m):
        w({"type": "conversation", "v": 1, "id": f"cv{c}", "account": "acc", "contact": f"c{c}", "status": "resolved"})
    per = n // m
    for c in range(m):
        t = start + timedelta(minutes=7 * c)
        for i in range(per):
            at = (t + timedelta(seconds=40 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            r = {"type": "message", "v": 1, "id": f"m{c}-{i}", "conversation": f"cv{c}", "direction": "in" if i % 2 == 0 else "out",
                 "kind": "text", "text": " ".join(random.choice(words) for _ in range(9)), "occurredAt": at,
                 "providerMessageId": f"wamid.bench{c}x{i}"}
            if i % 2:
                r["agent"] = "ag"
                r["statuses"] = [{"status": "sent", "at": at}, {"status": "read", "at": at}]
            w(r)
PY
fi

ADMIN=$("${PSQL[@]}" -d mm_import -tA -c "select id from core.users where email = 'admin@demo.local'")
cat > "$OUT/inbox.sql" <<SQL
select * from chat.list_conversations(1, $ADMIN, true, null, null, null, null, null, false, false, null, null, 50);
SQL
percentiles() { # pgbench logs in $1 → "p50 p99 n" in ms
  cat "$1"/pgbench_log.* | awk '{print $3/1000}' | sort -n | awk '{a[NR]=$1} END {
    i = int(NR * 0.99); if (i < NR * 0.99) i++; printf "%.2f %.2f %d", a[int(NR * 0.5) + 1], a[i], NR }'
}
inbox() { # folder seconds [reads per second]
  mkdir -p "$1"
  local rate=()
  [ "${3:-0}" -gt 0 ] && rate=(-R "$3")
  (cd "$1" && "$(pg_bin)/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -n -c 1 -j 1 -T "$2" "${rate[@]}" -f "$OUT/inbox.sql" -l \
     --log-prefix=pgbench_log mm_import > pgbench.out 2>&1)
}

log "inbox first page, idle, ${IDLE_SECONDS}s"
inbox "$OUT/idle" "$IDLE_SECONDS"
read -r IDLE50 IDLE99 IDLEN <<< "$(percentiles "$OUT/idle")"

log "import: $N messages (batch $BATCH), the inbox's first page timed beside it"
PROJECT=1
( inbox "$OUT/during" 100000 "$READER_RATE" ) & PGB=$!
START=$(date +%s.%N)
MM_Database__ConnectionString="$CS" dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" import --project "$PROJECT" \
  --source generic --file "$FILE" --system bench --batch "$BATCH" --connections "$CONNECTIONS" "${RATE_ARGS[@]}" > "$OUT/report1.txt" 2> "$OUT/progress1.txt"
END=$(date +%s.%N)
pkill -INT -f "pgbench.*mm_import" || true
# A background job of a script run in the background ignores SIGINT: then TERM ends it (its log lines are written).
sleep 1; pkill -TERM -f "pgbench.*mm_import" || true
wait "$PGB" 2>/dev/null || true
read -r DUR50 DUR99 DURN <<< "$(percentiles "$OUT/during")"
log "inbox first page after the import, idle again, ${IDLE_SECONDS}s (the same data, nothing running)"
inbox "$OUT/after" "$IDLE_SECONDS"
read -r AFTER50 AFTER99 AFTERN <<< "$(percentiles "$OUT/after")"
RATE1=$(grep -E "messages/s" "$OUT/progress1.txt" | tail -1 | awk '{for (i = 1; i <= NF; i++) if ($i == "messages/s") print $(i-1)}')

log "the same file again (everything present)"
START2=$(date +%s.%N)
MM_Database__ConnectionString="$CS" dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" import --project "$PROJECT" \
  --source generic --file "$FILE" --system bench --batch "$BATCH" > "$OUT/report2.txt" 2> "$OUT/progress2.txt"
END2=$(date +%s.%N)
LINES=$(grep -c '' "$FILE")

{
  echo "### Import bench $(date -u +%Y-%m-%dT%H:%MZ): $N messages / $M conversations, batch $BATCH, $CONNECTIONS connection(s)${IMPORT_MAX_RATE:+, capped at $IMPORT_MAX_RATE/s}"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| measure | value |"
  echo "| --- | --- |"
  echo "| import, messages/s (the Migrator's meter, first batch to last) | $RATE1 |"
  echo "| import, wall time including start-up and hashing | $(echo "$END - $START" | bc | xargs printf '%.1f') s |"
  echo "| inbox first page, idle: p50 / p99 (n) | $IDLE50 / $IDLE99 ms ($IDLEN) |"
  echo "| inbox first page, during the import ($([ "$READER_RATE" -gt 0 ] && echo "$READER_RATE reads/s" || echo "back to back")): p50 / p99 (n) | $DUR50 / $DUR99 ms ($DURN) |"
  echo "| inbox first page, after the import (idle, the imported conversations in the project): p50 / p99 (n) | $AFTER50 / $AFTER99 ms ($AFTERN) |"
  echo "| the same file again (all present), lines/s | $(echo "$LINES / ($END2 - $START2)" | bc) |"
  echo
  echo '```'
  cat "$OUT/report1.txt"
  echo '```'
} > "$OUT/summary.md"
cat "$OUT/summary.md"
grep -q "Reconciled" "$OUT/report1.txt" || die "the first import did not reconcile (see $OUT)"
grep -q "Reconciled" "$OUT/report2.txt" || die "the second import did not reconcile (see $OUT)"
