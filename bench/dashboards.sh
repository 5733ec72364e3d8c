#!/usr/bin/env bash
# Dashboards at scale (issue 16, "Measured"; DESIGN.md: every dashboard request p99 <= 50 ms at 10 M messages; ingest with
# rollups within 5 % of without; a rebuild over 10 M completes and equals the live rollups).
#   bench/dashboards.sh [messages] [conversations]     default 10000000 500000
#   DASH_REUSE=1      keep the filled database (mm_dash) and its rollups; time the tiles and ingest again
#   DASH_PHASES       which phases run, default "verify fill rebuild tiles ingest"
#   DASH_VERIFY_SIZE  the equality check's history, default "200000 10000"
#   DASH_SECONDS      pgbench seconds per tile and filter (default 2), DASH_CLIENTS clients (default 2)
#   DASH_FIRST_CALLS=1  count each client's first call (its fresh backend's) in the p50/p99; by default they are
#                     reported apart, as the Core API's pooled connections pay them once an hour, not per request
#   DASH_INGEST_DURATION  seconds per ingest run (default 15), DASH_INGEST_PAIRS  A/B pairs (default 2: ABAB)
#   DASH_TILES        the tiles timed (default: all 17)
#   DASH_NO_BUILD=1   use the Release builds already there (a build takes minutes on a busy machine)
# Phases:
#   verify   a small history (bench/dashboards-fill.sql) rolled up by ops.dash_roll in the Worker's batches until caught
#            up, snapshotted, then rebuilt by `Migrator rebuild-rollups`: any difference in the hourly rollups or the
#            episode facts fails the bench.
#   fill     the same generator at full size into mm_dash, indexes dropped during the load and rebuilt after.
#   rebuild  `Migrator rebuild-rollups` over the whole history, timed. The fill wrote past the live loop, so the cursors
#            are first put where a loop that had caught up would have left them (the rebuild recounts ids up to them).
#   tiles    every tile's function, as the Core API calls it (TilesApi.ReadAsync: the context row, then the tile), with
#            pgbench for 7/30/90 days × no filter, account, channel, queue, agent. p50/p99 per tile and filter.
#   ingest   the Webhook API (durable) under closed-loop signed WhatsApp load, with a Worker whose rollup loop is on (A)
#            or off (B, Dashboards:Enabled=false), alternately; medians and the ratio. The backlog B leaves is rolled up
#            between runs, outside the measurement.
# Results: .local/bench-dashboards/<time>/ (summary.md is what goes into bench/RESULTS.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"
# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"

N="${1:-10000000}"
M="${2:-500000}"
PHASES="${DASH_PHASES:-verify fill rebuild tiles ingest}"
[ "${DASH_REUSE:-0}" = 1 ] && PHASES="${DASH_PHASES:-tiles ingest}"
read -r VN VM <<< "${DASH_VERIFY_SIZE:-200000 10000}"
SECONDS_PER="${DASH_SECONDS:-2}"
CLIENTS="${DASH_CLIENTS:-2}"
OUT="$ROOT/.local/bench-dashboards/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
SUMMARY="$OUT/summary.md"
has() { [[ " $PHASES " == *" $1 "* ]]; }
say() { printf '%s\n' "$*" | tee -a "$SUMMARY"; }
machine() { say "machine ($1): $(nproc) vCPU, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M) UTC"; }

ensure_dependencies
load_secrets
if [ "${DASH_NO_BUILD:-0}" != 1 ]; then
  log "building Release"
  for p in src/Migrator src/Worker src/WebhookApi bench/WebhookLoad; do
    dotnet build "$ROOT/$p" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
  done
fi
MIGRATOR="$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll"
start_postgres
trap bench_cleanup EXIT
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
conn() { echo "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=$1"; }
migrator() { local db=$1; shift; MM_Database__ConnectionString="$(conn "$db")" dotnet "$MIGRATOR" "$@"; }

fill() { # database messages conversations
  "${PSQL[@]}" -d postgres -c "drop database if exists $1 with (force)" -c "create database $1"
  migrator "$1" migrate >/dev/null
  migrator "$1" seed-demo >/dev/null
  local started; started=$(date +%s)
  "${PSQL[@]}" -d "$1" -v n="$2" -v m="$3" -f "$ROOT/bench/dashboards-fill.sql"
  local loaded=$(( $(date +%s) - started )); started=$(date +%s)
  "${PSQL[@]}" -d "$1" <<'SQL'
set maintenance_work_mem = '1GB';
set max_parallel_maintenance_workers = 2;
create index messages_search_idx on chat.messages using gin (search_vector);
create index messages_project_recent_idx on chat.messages (project_id, occurred_at desc);
create index messages_thread_idx on chat.messages (conversation_id, occurred_at, id);
create index messages_provider_id_idx on chat.messages (account_id, provider_message_id) where provider_message_id is not null;
create index messages_client_id_idx on chat.messages (conversation_id, client_message_id) where client_message_id is not null;
create index message_status_events_message_idx on chat.message_status_events (account_id, provider_message_id, status)
    where provider_message_id is not null;
vacuum analyze;
SQL
  say "filled $1: $2 messages / $3 conversations, load $loaded s, indexes and analyze $(( $(date +%s) - started )) s; $("${PSQL[@]}" -d "$1" -tAc "select (select count(*) from chat.messages) || ' messages, ' || (select count(*) from chat.message_status_events) || ' status events, ' || (select count(*) from chat.conversation_events) || ' conversation events, ' || pg_size_pretty(pg_database_size(current_database()))")"
}

# The rollups as one comparable set of rows per table (episodes without their identity id).
ROLLUPS=(dash_message_hours dash_message_days dash_status_hours dash_episode_days dash_episodes)
snapshot() { # database suffix
  local t
  for t in "${ROLLUPS[@]}"; do
    # a day row whose counts went back to zero (an episode that moved days) is no figure: left out on both sides
    local where=""; [ "$t" = dash_episode_days ] && where="where opened <> 0 or reopened <> 0 or resolved <> 0"
    "${PSQL[@]}" -d "$1" -c "set client_min_messages = warning" -c "drop table if exists public.snap_${t}_$2" \
      -c "create table public.snap_${t}_$2 as select * from ops.$t $where"
  done
  "${PSQL[@]}" -d "$1" -c "alter table public.snap_dash_episodes_$2 drop column id"
}

if has verify; then
  log "verify: rebuild == live on $VN messages / $VM conversations"
  machine verify
  fill mm_dash_check "$VN" "$VM"
  started=$(date +%s.%N); passes=0
  while [ "$("${PSQL[@]}" -d mm_dash_check -tAc "select ops.dash_roll(5000)")" != 0 ]; do passes=$((passes + 1)); done
  live_s=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  snapshot mm_dash_check live
  started=$(date +%s.%N)
  migrator mm_dash_check rebuild-rollups > "$OUT/verify-rebuild.log"
  rebuild_s=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  snapshot mm_dash_check rebuilt
  diff=""; bad=0
  for t in "${ROLLUPS[@]}"; do
    line=$("${PSQL[@]}" -d mm_dash_check -tAc "select format('%s: %s live, %s rebuilt, %s differ', '$t',
      (select count(*) from snap_${t}_live), (select count(*) from snap_${t}_rebuilt),
      (select count(*) from ((select * from snap_${t}_live except all select * from snap_${t}_rebuilt)
                             union all (select * from snap_${t}_rebuilt except all select * from snap_${t}_live)) d))")
    diff="$diff${diff:+; }$line"
    if [[ ! "$line" =~ \ 0\ differ$ ]]; then
      bad=1
      "${PSQL[@]}" -d mm_dash_check -c "(select 'live' as side, * from snap_${t}_live except all select 'live', * from snap_${t}_rebuilt)
        union all (select 'rebuilt', * from snap_${t}_rebuilt except all select 'rebuilt', * from snap_${t}_live) limit 20" >> "$OUT/verify-diff.txt"
    fi
  done
  say "verify: live loop caught up in $passes passes of 5,000 ($live_s s), rebuild $rebuild_s s; $diff"
  [ "$bad" = 0 ] || die "REBUILD != LIVE: the rebuilt rollups differ from the live ones (see ${OUT#$ROOT/}/verify-diff.txt)"
fi

if has fill; then
  log "fill: $N messages / $M conversations"
  machine fill
  fill mm_dash "$N" "$M"
fi

if has rebuild; then
  log "rebuild-rollups over the whole history"
  machine rebuild
  "${PSQL[@]}" -d mm_dash <<'SQL'
update ops.dash_cursors c set watermark = coalesce(x.hi, 0), fresh_at = now(), updated_at = now()
from (select 'messages' as source, (select max(id) from chat.messages) as hi
      union all select 'statuses', (select max(id) from chat.message_status_events)
      union all select 'events', (select max(id) from chat.conversation_events)) x
where c.source = x.source;
delete from ops.dash_gaps;
SQL
  started=$(date +%s.%N)
  migrator mm_dash rebuild-rollups > "$OUT/rebuild.log"
  ended=$(date +%s.%N)
  "${PSQL[@]}" -d mm_dash -c "vacuum analyze ops.dash_message_hours, ops.dash_status_hours, ops.dash_episodes, ops.dash_cube"
  read -r msgs sts convs eps hrs <<< "$("${PSQL[@]}" -d mm_dash -tA -F' ' -c "select (select count(*) from chat.messages), (select count(*) from chat.message_status_events), (select count(*) from chat.conversations), (select count(*) from ops.dash_episodes), (select count(*) from ops.dash_message_hours)")"
  awk -v s="$started" -v e="$ended" -v m="$msgs" -v st="$sts" -v c="$convs" -v ep="$eps" -v h="$hrs" 'BEGIN {
    t = e - s; printf "rebuild-rollups: %.0f s for %d messages + %d status events (%.0f rows/s) and %d conversations (%.0f/s) -> %d episodes, %d message-hour rows\n", t, m, st, (m + st) / t, c, c / t, ep, h }' | tee -a "$SUMMARY"
  grep -E '^  (messages|statuses): .*100 %|^  episodes: .*100 %|rebuilt' "$OUT/rebuild.log" | tail -4 | sed 's/^/  /' | tee -a "$SUMMARY"
fi

if has tiles; then
  log "tiles: pgbench, $CLIENTS clients, $SECONDS_PER s per tile and filter"
  machine tiles
  read -r TODAY ACCOUNT QUEUE AGENT <<< "$("${PSQL[@]}" -d mm_dash -tA -F' ' -c "select (now() at time zone p.time_zone)::date,
      (select id from meta.accounts where project_id = 1 order by id limit 1),
      (select id from core.queues where project_id = 1 order by id offset 3 limit 1),
      (select id from core.users where email = 'bench-agent1@demo.local') from core.projects p where p.id = 1")"
  read -r -a TILES <<< "${DASH_TILES:-conversations messages messages_by_hour backlog first_response resolution response_times sla window_expiries delivery failures agents containment handoff_reasons funnel channels number_health}"
  declare -A FILTER=([none]="null, null, null, null" [account]="$ACCOUNT, null, null, null" [channel]="null, 'messenger', null, null"
                     [queue]="null, null, $QUEUE, null" [agent]="null, null, null, $AGENT")
  printf '| tile | filter | 7 d p50 | 7 d p99 | 30 d p50 | 30 d p99 | 90 d p50 | 90 d p99 |\n|---|---|--:|--:|--:|--:|--:|--:|\n' > "$OUT/tiles.md"
  : > "$OUT/tiles.tsv"
  for tile in "${TILES[@]}"; do
    for f in none account channel queue agent; do
      row="| $tile | $f |"
      for days in 7 30 90; do
        from=$(date -d "$TODAY - $((days - 1)) days" +%F)
        cat > "$OUT/q.sql" <<SQL
select p.time_zone, ops.dash_fresh_at() as fresh_at from core.projects p where p.id = 1;
select * from ops.dash_tile_$tile(1, '$from'::date, '$TODAY'::date, ${FILTER[$f]}, null, null, null);
SQL
        rm -f "$OUT"/pgbench_log.*
        (cd "$OUT" && "$(pg_bin)/pgbench" -h 127.0.0.1 -p "$PGPORT" -U postgres -n -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_PER" \
          -f q.sql -l --log-prefix=pgbench_log mm_dash > pgbench.out 2>&1) || { cat "$OUT/pgbench.out"; die "pgbench failed on $tile"; }
        # A pgbench client's first call is its backend's first: it loads the catalog caches and compiles the functions.
        # The Core API's pooled connections live an hour and keep their sessions (DatabaseExtensions), so a request
        # pays that once per connection, not per call: the first calls are reported apart (DASH_FIRST_CALLS=1 counts
        # them in, as before).
        keep='$2 > 1'; [ "${DASH_FIRST_CALLS:-0}" = 1 ] && keep=1
        read -r p50 p99 n <<< "$(cat "$OUT"/pgbench_log.* | awk "$keep"' {print $3/1000}' | sort -n | awk '{a[NR]=$1} END {
          i = int(NR * 0.99); if (i < NR * 0.99) i++; printf "%.1f %.1f %d", a[int(NR * 0.5) + 1], a[i], NR }')"
        first="$(cat "$OUT"/pgbench_log.* | awk '$2 == 1 {print $3/1000}' | sort -n | tail -1)"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tile" "$f" "$days" "$p50" "$p99" "$n" "$first" >> "$OUT/tiles.tsv"
        row="$row $p50 | $p99 |"
      done
      echo "$row" | tee -a "$OUT/tiles.md"
    done
  done
  cat "$OUT/tiles.md" >> "$SUMMARY"
  sort -t$'\t' -k5 -g -r "$OUT/tiles.tsv" | head -1 | awk -F'\t' '{ printf "worst: %s, %s filter, %s days: p99 %s ms (n=%s)\n", $1, $2, $3, $5, $6 }' | tee -a "$SUMMARY"
  awk -F'\t' '$5 > 50 { n++; s = s sprintf("  %s/%s/%sd p99 %s ms\n", $1, $2, $3, $5) } END {
    printf "target p99 <= 50 ms: %s (%d of %d cases over)\n%s", n ? "NOT MET" : "met", n, NR, s }' "$OUT/tiles.tsv" | tee -a "$SUMMARY"
  awk -F'\t' '$7 > m { m = $7; w = sprintf("%s/%s/%sd", $1, $2, $3) } $7 > 50 { n++ } END {
    printf "first call of a fresh connection (not in the p99 above): slowest %s ms (%s), %d of %d cases over 50 ms\n", m, w, n, NR }' "$OUT/tiles.tsv" | tee -a "$SUMMARY"
fi

if has ingest; then
  log "ingest: Webhook API (durable) with the rollup loop on (A) and off (B), alternately"
  machine ingest
  DURATION="${DASH_INGEST_DURATION:-15}"
  LOAD="$ROOT/bench/WebhookLoad/bin/Release/net10.0/WebhookLoad.dll"
  export MM_Database__ConnectionString; MM_Database__ConnectionString="$(conn mm_dash)"
  API="$(free_port 5181)"
  MM_Ingest__AckMode=Durable MM_Logging__Json=false BENCH_LOG=dash-WebhookApi bench_start WebhookApi "$API"
  API_PIDS=("${BENCH_PIDS[@]}")
  # The Worker's other loops off: the same process and connections, only the rollup loop differs between A and B.
  IDLE=()
  for section in AccountValidation Ai AiManual AiMedia Bots Mass MediaDownloads Outbox Retention Team Templates; do
    IDLE+=("--$section:Enabled=false")
  done
  run() { # A|B index
    local name="$1$2" worker; worker="$(free_port 5382)"
    BENCH_PIDS=()
    MM_Dashboards__Enabled=$([ "$1" = A ] && echo true || echo false) MM_Logging__Json=false BENCH_LOG="dash-Worker-$name" \
      bench_start Worker "$worker" "${IDLE[@]}"
    sleep 2
    dotnet "$LOAD" --secret "$MM_DEMO_APP_SECRET" --url "http://127.0.0.1:$API/webhook" --rate 0 --concurrency 256 \
      --run-id "dash-$(date +%s)-$name" --duration "$DURATION" --warmup 3 --json "$OUT/ingest-$name.json" > "$OUT/ingest-$name.txt"
    sleep 2   # the pass after the last batch
    local rolled; rolled=$(grep -c 'dashboard_rollups' "$ROOT/.local/bench-dash-Worker-$name.log" || true)
    bench_stop
    BENCH_PIDS=("${API_PIDS[@]}")
    local rate; rate=$(grep -oiE '"achieved_rate": *[0-9.]+' "$OUT/ingest-$name.json" | grep -oE '[0-9.]+$')
    [ "$2" = 0 ] || printf '%s\t%s\n' "$1" "$rate" >> "$OUT/ingest.tsv"
    say "  run $name: rollup loop $([ "$1" = A ] && echo on || echo off): $rate events/s ($(grep -E 'latency' "$OUT/ingest-$name.txt" | head -1 | sed 's/^ *//'))"
    # what B left uncounted is rolled up now, so the next A does not pay for it
    while [ "$("${PSQL[@]}" -d mm_dash -tAc "select ops.dash_roll(20000)")" != 0 ]; do :; done
  }
  : > "$OUT/ingest.tsv"
  while [ "$("${PSQL[@]}" -d mm_dash -tAc "select ops.dash_roll(20000)")" != 0 ]; do :; done
  # A first run, not counted: the Webhook API's own warm-up (JIT, pools) made every first run the slowest, whichever it was.
  run B 0
  for i in $(seq 1 "${DASH_INGEST_PAIRS:-2}"); do run A "$i"; run B "$i"; done
  awk -F'\t' 'function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                               return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    $1 == "A" { a[++na] = $2 } $1 == "B" { b[++nb] = $2 }
    END { ma = med(a, na); mb = med(b, nb); r = ma / mb
          printf "ingest median: rollups on %.0f events/s, off %.0f events/s, ratio %.3f (%+.1f %%): target within 5 %%: %s\n",
                 ma, mb, r, (r - 1) * 100, (r >= 0.95 ? "met" : "NOT MET") }' "$OUT/ingest.tsv" | tee -a "$SUMMARY"
  "${PSQL[@]}" -d mm_dash -tAc "select 'rollups fresh at ' || ops.dash_fresh_at() || ', gaps ' || (select count(*) from ops.dash_gaps)" | tee -a "$SUMMARY"
fi
log "results in ${OUT#$ROOT/}"
