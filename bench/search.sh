#!/usr/bin/env bash
# Inbox search at scale (issue: results under 100 ms at 10 million messages).
#   bench/search.sh [messages] [conversations]      default 10000000 500000
#   SEARCH_REUSE=1 bench/search.sh                   time the queries again on the database already filled
# Builds a throwaway database with the real schema, fills it with N messages over M conversations (bodies drawn from
# an English + Spanish vocabulary, a few rare words planted), then times chat.search — the function the Core API
# calls — with pgbench for a supervisor (every queue) and an agent (two queues of twenty): a rare word, a frequent
# word, two words, a Spanish word typed without its accent, a phone-number fragment. Reports p50/p99 per query.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

N="${1:-10000000}"
M="${2:-500000}"
ensure_dependencies
load_secrets
log "building Release"
dotnet build "$ROOT/src/Migrator" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
start_postgres
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
if [ "${SEARCH_REUSE:-0}" = 1 ]; then
  log "reusing mm_search; re-applying the functions"
  "${PSQL[@]}" -d mm_search -f "$ROOT/db/functions/370_chat_collaboration.sql" -f "$ROOT/db/functions/390_chat_search.sql"
else
"${PSQL[@]}" -d postgres -c "drop database if exists mm_search with (force)" -c "create database mm_search"
MM_Database__ConnectionString="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=mm_search" \
  dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
MM_Database__ConnectionString="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=mm_search" \
  dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null

log "filling: $N messages over $M conversations (indexes dropped during the load, rebuilt after)"
started=$(date +%s)
"${PSQL[@]}" -d mm_search <<SQL
set maintenance_work_mem = '1GB';
set max_parallel_maintenance_workers = 2;
insert into core.queues (project_id, name) select 1, 'Queue ' || g from generate_series(1, 19) g on conflict do nothing;
create temp table vocab as
select array_agg(w) as words from unnest(string_to_array(
  'hola gracias pedido envío factura devolución cuenta precio tienda cliente problema ayuda mañana tarde entrega dirección '
  || 'número tarjeta pago reembolso producto talla color stock oferta descuento cupón semana horario abierto cerrado '
  || 'hello thanks order shipping invoice refund account price store customer problem help tomorrow delivery address '
  || 'number card payment product size colour offer discount coupon week opening closed please urgent status tracking '
  || 'when where why how what which can could would should the and for with from this that there here today yesterday '
  || 'el la los las un una por para con sin que cuando donde como cual quien este esta ese esa aquí allí hoy ayer '
  || 'package paquete courier mensajero warehouse almacén return cambio exchange receipt recibo broken roto missing falta',
  ' ')) w;
alter table chat.messages drop constraint if exists messages_conversation_id_fkey;
drop index chat.messages_search_idx; drop index chat.messages_project_recent_idx; drop index chat.messages_thread_idx;
drop index chat.messages_provider_id_idx;
-- Partitions for the rows about to come, as the Worker's retention loop makes them a span ahead (migration 0061).
select setval('chat.messages_id_seq', $N + 1000000);
select ops.ensure_id_partitions('chat.messages');
select setval('chat.messages_id_seq', (select coalesce(max(id), 0) + 1 from chat.messages), false);
insert into chat.contacts (project_id, channel, external_id, display_name, phone)
select 1, 'whatsapp', '3460' || lpad(g::text, 7, '0'), 'Customer ' || g, '3460' || lpad(g::text, 7, '0') from generate_series(1, $M) g;
insert into chat.conversations (project_id, account_id, contact_id, channel, queue_id, last_message_at, last_inbound_at)
select 1, (select id from meta.accounts where external_id = '1122334455667'), c.id, 'whatsapp',
       (select id from core.queues where project_id = 1 order by id offset (c.id % 20) limit 1),
       now() - (c.id % 1000) * interval '1 hour', now() - (c.id % 1000) * interval '1 hour'
from chat.contacts c where c.project_id = 1 and c.external_id like '3460%';
-- N messages, N/M per conversation, 6 to 14 words each; rare words planted ~100 times.
insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at)
select 1, cv.id, cv.account_id, case when k % 2 = 0 then 'in' else 'out' end, 'text',
       case when (cv.id * 31 + k) % 100000 = 7 then 'zanzibar ' else '' end ||
       (select string_agg(v.words[1 + floor(random() * cardinality(v.words))::int], ' ')
        from vocab v, generate_series(1, 6 + ((cv.id + k) % 9)) i where k > 0),
       'received', 0, now() - ((cv.id % 1000) * 60 + k) * interval '1 minute'
from chat.conversations cv, generate_series(1, ($N / $M)) k
where cv.project_id = 1;
SQL
log "loaded in $(( $(date +%s) - started )) s; building indexes"
started=$(date +%s)
"${PSQL[@]}" -d mm_search <<'SQL'
set maintenance_work_mem = '1GB';
set max_parallel_maintenance_workers = 2;
create index messages_search_idx on chat.messages using gin (search_vector);
create index messages_project_recent_idx on chat.messages (project_id, occurred_at desc);
create index messages_thread_idx on chat.messages (conversation_id, occurred_at, id);
vacuum analyze chat.messages; vacuum analyze chat.conversations; vacuum analyze chat.contacts;
SQL
log "indexes in $(( $(date +%s) - started )) s"
fi
"${PSQL[@]}" -d mm_search -tAc "select 'messages ' || count(*) from chat.messages" -c "select 'database ' || pg_size_pretty(pg_database_size('mm_search'))"

OUT="$ROOT/.local/bench-search"
mkdir -p "$OUT"
run() { # label  sql
  printf '%s\n' "$2" > "$OUT/q.sql"
  rm -f "$OUT"/pgbench_log.*
  (cd "$OUT" && "$(pg_bin)/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -n -c 1 -t 40 -f q.sql -l --log-prefix=pgbench_log mm_search >/dev/null)
  cat "$OUT"/pgbench_log.* | awk '{print $3/1000}' | sort -n | awk -v label="$1" '{a[NR]=$1} END {printf "%-48s p50 %7.1f ms  p99 %7.1f ms  (n=%d)\n", label, a[int(NR*0.5)+1], a[int(NR*0.99)+ (NR*0.99==int(NR*0.99)?0:1)], NR}'
}
SUP="chat.search(1, 2, true, '{}', %s, null, null, null, null, null, null, 30)"
AGENT="chat.search(1, 1, false, (select array_agg(id) from (select id from core.queues where project_id = 1 order by id limit 2) q), %s, null, null, null, null, null, null, 30)"
for who in SUP AGENT; do
  tmpl="${!who}"
  for q in "'zanzibar'" "'pedido'" "'refund tracking'" "'devolucion'" "'3460001234'"; do
    run "$who $q" "select count(*) from $(printf "$tmpl" "$q");"
  done
done
# The next page (issue 5: "Show more"): the hits after the first page's last one, through the cursor the API passes.
for who in SUP AGENT; do
  tmpl="${!who}"
  for q in "'pedido'" "'zanzibar'"; do
    key=$("${PSQL[@]}" -d mm_search -tAc "select quote_literal(occurred_at) || ', ' || rank || ', ' || hit_id from $(printf "$tmpl" "$q") offset 29 limit 1")
    [ -n "$key" ] || continue
    run "$who $q page 2" "select count(*) from $(printf "${tmpl%, 30)}, 30, $key)" "$q");"
  done
done
