#!/usr/bin/env bash
# The change feed partitioned by id (issue 19, migration 0050) against the same rows in a plain table, side by side.
#   bench/partitions.sh [rows] [span]        default 10000000 rows, partitions of 2000000 ids (so 10 M rows make as many
#                                            partitions as a busy installation keeps)
# A throwaway database with the real schema (mm_partitions on the bench cluster); the feed filled for 20 projects the
# way the product fills it (inserts, then ops.ensure_id_partitions, a span at a time); ops.change_feed_flat: a plain copy
# with the same two indexes. Then pgbench (prepared, one client, 5 s each, three rounds interleaved) on the reads the
# product makes: a project's version (every cached Core API read), the reader's keyset near the head, head and tail.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

ROWS="${1:-10000000}"
SPAN="${2:-2000000}"
ensure_dependencies
load_secrets
log "building Release"
dotnet build "$ROOT/src/Migrator" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
start_postgres
DB=mm_partitions
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c "drop database if exists $DB with (force)" -c "create database $DB"
MM_Database__ConnectionString="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=$DB" \
  dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null

log "filling $ROWS change-feed rows (partitions of $SPAN ids) and a plain copy"
"${PSQL[@]}" -d "$DB" <<SQL
insert into core.projects (name, slug, time_zone) select 'bench ' || g, 'bench-' || g, 'UTC' from generate_series(1, 20) g;
update ops.id_partitioned_tables set span = $SPAN where parent = 'ops.change_feed';
-- past the migration's first partition (10 M ids), so the fill makes partitions of the span above
select setval('ops.change_feed_id_seq', (select max(upper_id) from ops.id_partitions('ops.change_feed')), false);
select ops.ensure_id_partitions('ops.change_feed');
do \$\$
declare
    v_projects bigint[] := (select array_agg(id) from core.projects);
    v_left bigint := $ROWS;
    v_n bigint;
begin
    while v_left > 0 loop
        v_n := least(v_left, $SPAN);
        insert into ops.change_feed (project_id, kind, conversation_id, message_id)
        select v_projects[1 + (g % cardinality(v_projects))], 'message_created', g, g from generate_series(1, v_n) g;
        perform ops.ensure_id_partitions('ops.change_feed');
        v_left := v_left - v_n;
    end loop;
end
\$\$;
create table ops.change_feed_flat as select * from ops.change_feed;
alter table ops.change_feed_flat add primary key (id);
create index on ops.change_feed_flat (project_id, id);
vacuum analyze ops.change_feed;
vacuum analyze ops.change_feed_flat;
SQL
"${PSQL[@]}" -d "$DB" -c "select partition_name, lower_id, upper_id from ops.id_partitions('ops.change_feed')"

PROJECT="$("${PSQL[@]}" -d "$DB" -tAc "select id from core.projects order by id offset 7 limit 1")"
HEAD="$("${PSQL[@]}" -d "$DB" -tAc "select max(id) from ops.change_feed")"
WORK="$(mktemp -d)"
for t in change_feed change_feed_flat; do
  echo "select coalesce(max(id), 0) from ops.$t where project_id = $PROJECT;" > "$WORK/version_$t.sql"
  printf '%s\n' "\\set after random($HEAD - 1000, $HEAD - 10)" \
    "select id, project_id, kind from ops.$t where id > :after order by id limit 500;" > "$WORK/keyset_$t.sql"
  echo "select coalesce(max(id), 0) from ops.$t;" > "$WORK/head_$t.sql"
  echo "select coalesce(min(id), 0) from ops.$t;" > "$WORK/tail_$t.sql"
done
log "average latency (ms), partitioned vs plain"
for round in 1 2 3; do
  for q in version keyset head tail; do
    line="round $round  $q"
    for t in change_feed change_feed_flat; do
      ms="$("$(pg_bin)/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -n -M prepared -T 5 -f "$WORK/${q}_$t.sql" "$DB" 2>/dev/null \
            | awk '/latency average/ {print $4}')"
      line="$line  $t $ms"
    done
    echo "$line"
  done
done
rm -rf "$WORK"
