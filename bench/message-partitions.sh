#!/usr/bin/env bash
# Messages and status events partitioned by id (issue 19, migration 0061) against the same rows before it, side by side.
#   bench/message-partitions.sh BEFORE AFTER      two databases on the bench cluster holding the same rows: BEFORE at
#                                                 migration 0060 (plain tables), AFTER the same copy migrated to 0061
#   e.g. createdb -T mm_dash mm_part, then migrate mm_part (the migration's time at that size is the upgrade's cost)
# AFTER also gets chat.messages_split (once; kept for the next run): the same messages in partitions of 2 million ids,
# what a busy installation holds after months (the upgrade itself leaves one "legacy" partition and one ahead).
# The search indexes' GIN pending lists are merged on both sides first (rolled-back inserts, including this script's,
# leave entries there until a vacuum; a scan reads the whole list, which skewed a first run by 3×).
# Then pgbench (prepared, one client, 5 s each, three rounds interleaved) on the reads the product makes at 10 M
# messages: a thread's newest page and an older one (chat.thread_page), a search (chat.search) for a frequent and a rare
# word, a message by Meta's id (every status webhook), by id, a project's newest, a message's statuses; and the write
# the partitioning changed: 100 messages with Meta ids and 100 statuses inserted (rolled back), where the unique keys
# moved from unique indexes to key tables kept by triggers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

BEFORE="${1:?before database}"
AFTER="${2:?after database}"
ROUNDS="${ROUNDS:-3}"
SECONDS_EACH="${SECONDS_EACH:-5}"
ensure_dependencies
start_postgres
# The platform's databases run with jit = off (migration 0062); these copies may predate it, so every connection here
# turns it off the same way on both sides (compiling a search's plan cost 40-150 ms a call, more with partitions).
export PGOPTIONS="${PGOPTIONS:-} -c jit=off"
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)

if [ "$("${PSQL[@]}" -d "$AFTER" -tAc "select to_regclass('chat.messages_split') is not null")" != t ]; then
  log "building chat.messages_split in $AFTER (partitions of 2 M ids)"
  started=$(date +%s)
  "${PSQL[@]}" -d "$AFTER" <<'SQL'
set maintenance_work_mem = '1GB';
create table chat.messages_split (like chat.messages including defaults including generated) partition by range (id);
do $$
declare v_max bigint := (select max(id) from chat.messages); v_low bigint := 1;
begin
    while v_low <= v_max loop
        execute format('create table chat.messages_split_p%s partition of chat.messages_split for values from (%s) to (%s)',
                       v_low, v_low, v_low + 2000000);
        v_low := v_low + 2000000;
    end loop;
end
$$;
insert into chat.messages_split (id, project_id, conversation_id, account_id, direction, is_echo, provider_message_id, type,
    body, reply_to_provider_id, payload, status, status_rank, status_at, error_code, error_title, error_details,
    occurred_at, created_at, deleted_at, event_id, client_message_id, sent_by_user_id, ai_text, ai_text_kind,
    sent_by_ai_agent_id, sent_by_flow_id, import_run_id)
select id, project_id, conversation_id, account_id, direction, is_echo, provider_message_id, type,
    body, reply_to_provider_id, payload, status, status_rank, status_at, error_code, error_title, error_details,
    occurred_at, created_at, deleted_at, event_id, client_message_id, sent_by_user_id, ai_text, ai_text_kind,
    sent_by_ai_agent_id, sent_by_flow_id, import_run_id
from chat.messages;
alter table chat.messages_split add primary key (id);
create index on chat.messages_split (conversation_id, occurred_at, id);
create index on chat.messages_split (project_id, occurred_at desc);
create index on chat.messages_split using gin (search_vector);
create index on chat.messages_split using gin (to_tsvector('chat.mm_search'::regconfig, ai_text)) where ai_text is not null;
create index on chat.messages_split (account_id, provider_message_id) where provider_message_id is not null;
vacuum analyze chat.messages_split;
SQL
  log "built in $(( $(date +%s) - started )) s"
fi
"${PSQL[@]}" -d "$AFTER" -c "select count(*) as split_partitions from ops.id_partitions('chat.messages_split')" 2>/dev/null || true

# Parameters, read once from BEFORE (both databases hold the same rows): the longest thread, a Meta id of the newest
# tenth, the project, an older page's cursor.
read -r CONV PROJECT <<<"$("${PSQL[@]}" -d "$BEFORE" -tAF' ' -c "select conversation_id, project_id from chat.messages where id > (select max(id) - 200000 from chat.messages) group by 1, 2 order by count(*) desc limit 1")"
read -r ACCOUNT WAMID MID <<<"$("${PSQL[@]}" -d "$BEFORE" -tAF' ' -c "select account_id, provider_message_id, id from chat.messages where provider_message_id is not null order by id desc offset 100000 limit 1")"
OLD_ID="$("${PSQL[@]}" -d "$BEFORE" -tAc "select id from chat.messages where conversation_id = $CONV order by occurred_at desc, id desc offset 500 limit 1")"
OLD_AT_Q="$("${PSQL[@]}" -d "$BEFORE" -tAc "select occurred_at from chat.messages where id = $OLD_ID")"
RARE="$("${PSQL[@]}" -d "$BEFORE" -tAc "select split_part(body, ' ', 3) from chat.messages where body like 'Bench message %' order by id desc offset 300000 limit 1")"
USER_ID="$("${PSQL[@]}" -d "$BEFORE" -tAc "select id from core.users order by id limit 1")"
echo "conversation $CONV, project $PROJECT, account $ACCOUNT, message $MID, rare word '$RARE'"

for db in "$BEFORE" "$AFTER"; do
  "${PSQL[@]}" -d "$db" -tAc "select sum(gin_clean_pending_list(indexrelid::regclass)) from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam where a.amname = 'gin' and i.indrelid in (select oid from pg_class where relname like 'messages%' and relnamespace = 'chat'::regnamespace and relkind = 'r')" >/dev/null
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
q() { printf '%s\n' "$2" > "$WORK/$1.sql"; }
for t in messages messages_split; do
  q "thread_$t" "select * from (select id, occurred_at from chat.$t where conversation_id = $CONV order by occurred_at desc, id desc limit 50) p order by occurred_at, id;"
  q "older_$t" "select * from (select id, occurred_at from chat.$t where conversation_id = $CONV and (occurred_at, id) < ('$OLD_AT_Q', $OLD_ID) order by occurred_at desc, id desc limit 50) p order by occurred_at, id;"
  q "wamid_$t" "select id, status_rank from chat.$t where account_id = $ACCOUNT and provider_message_id = '$WAMID';"
  q "byid_$t" "\\set id random($MID - 100000, $MID)
select id, conversation_id from chat.$t where id = :id;"
  q "recent_$t" "select id from chat.$t where project_id = $PROJECT order by occurred_at desc limit 50;"
  q "walk_$t" "select r.id from (select id, occurred_at, search_vector from chat.$t where project_id = $PROJECT order by occurred_at desc limit 2000) r where r.search_vector @@ chat.search_query('$RARE') order by r.occurred_at desc, r.id desc limit 30;"
done
q thread_page "select count(*) from chat.thread_page($CONV, null, null, 50);"
q search_frequent "select count(*) from chat.search($PROJECT, $USER_ID, true, null, 'message', null, null, null, null, null, null, 30);"
q search_rare "select count(*) from chat.search($PROJECT, $USER_ID, true, null, '$RARE', null, null, null, null, null, null, 30);"
q statuses "select status, occurred_at from chat.message_status_events where account_id = $ACCOUNT and provider_message_id = '$WAMID';"
# 100 new messages with Meta ids (a webhook batch's worth) and their 100 statuses, rolled back: the write path's cost.
q insert "begin;
insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, status, status_rank, occurred_at)
select $PROJECT, $CONV, $ACCOUNT, 'in', 'wamid.bench.' || g || '.' || random(), 'text', 'Bench insert ' || g, 'received', 0, now()
from generate_series(1, 100) g;
insert into chat.message_status_events (project_id, account_id, event_id, provider_message_id, status, occurred_at, payload)
select $PROJECT, $ACCOUNT, 1, 'wamid.bench.' || g || '.' || random(), 'delivered', now(), '{}'::jsonb from generate_series(1, 100) g;
rollback;"

bench() { # database, script -> average latency in ms
  "$(pg_bin)/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -n -M prepared -T "$SECONDS_EACH" -f "$WORK/$2.sql" "$1" 2>/dev/null \
    | awk '/latency average/ {print $4}'
}
log "average latency (ms): before (plain) | after (upgraded: legacy partition + one ahead) | after, 2 M-id partitions"
for round in $(seq 1 "$ROUNDS"); do
  for q in thread older wamid byid recent walk; do
    echo "round $round  $q  $(bench "$BEFORE" "${q}_messages") | $(bench "$AFTER" "${q}_messages") | $(bench "$AFTER" "${q}_messages_split")"
  done
  for q in thread_page search_frequent search_rare statuses insert; do
    echo "round $round  $q  $(bench "$BEFORE" "$q") | $(bench "$AFTER" "$q")"
  done
done

log "plans (after, 2 M-id partitions)"
for q in thread older wamid recent walk; do
  echo "-- $q"
  "${PSQL[@]}" -d "$AFTER" -c "explain (costs off) $(sed 's/;$//' "$WORK/${q}_messages_split.sql")" | head -14
done
