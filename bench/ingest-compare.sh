#!/usr/bin/env bash
# Durable ingest, side by side (issue 19): this tree's Webhook API against a baseline commit's, in one run, alternating.
#
#   bench/ingest-compare.sh [baseline-ref [current-ref]]
#       baseline-ref: default 811163f (the last commit before the two-stage ingest); current-ref: default HEAD.
#       Both are built in their own worktrees under .local/, so the working tree can be rebuilt meanwhile.
#
# For each of MM_BENCH_ROUNDS rounds (3) and each build (baseline, current), on a fresh database: a closed loop (256
# workers back to back, MM_BENCH_DURATION s) and an open loop at 1,000 events/s, both in Durable mode (the current
# build acknowledges at the raw commit; the baseline after normalization). After each load the script waits until
# nothing is left to normalize, records how long that took, and checks that every acknowledged wamid is in
# chat.messages exactly once. Prints a TSV and the medians; raw reports go to .local/bench/.
# MM_BENCH_NORMALIZERS="1 2 3": the current build runs once per value of Ingest:Normalizers in every round (builds
# current-n1, current-n2…), so each is compared with the baseline of the same run; unset, with its default.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

BASE_REF="${1:-811163f}"
CURRENT_REF="$(git -C "$ROOT" rev-parse "${2:-HEAD}")"
ROUNDS="${MM_BENCH_ROUNDS:-3}"
DURATION="${MM_BENCH_DURATION:-15}"
WARMUP="${MM_BENCH_WARMUP:-3}"
NORMALIZERS="${MM_BENCH_NORMALIZERS:-}"
OUT="$ROOT/.local/bench/ingest-$(date -u +%Y%m%dT%H%M%SZ)"
BASE="$ROOT/.local/bench-baseline"
CURRENT="$ROOT/.local/bench-current"
mkdir -p "$OUT"

ensure_dependencies
load_secrets
for pair in "$BASE:$BASE_REF" "$CURRENT:$CURRENT_REF"; do
  tree="${pair%%:*}"; ref="${pair#*:}"
  if [ ! -d "$tree" ]; then git -C "$ROOT" worktree add --detach "$tree" "$ref" >/dev/null; fi
  git -C "$tree" checkout -q --detach "$ref"
done
for tree in "$BASE" "$CURRENT"; do
  log "building Release in ${tree#$ROOT/}"
  for p in src/WebhookApi src/Migrator; do dotnet build "$tree/$p" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null; done
done
dotnet build "$ROOT/bench/WebhookLoad" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
LOAD="$ROOT/bench/WebhookLoad/bin/Release/net10.0/WebhookLoad.dll"

start_postgres
PSQL=("$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1)
PORT="$(free_port 5180)"
cleanup() {
  [ -n "${API_PID:-}" ] && kill -TERM "$API_PID" 2>/dev/null
  as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

fresh_database() { # tree
  "${PSQL[@]}" -d postgres -c "drop database if exists mm with (force)" -c "create database mm"
  dotnet "$1/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
  dotnet "$1/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null
}
start_api() { # tree name [normalizers]
  env ${3:+MM_Ingest__Normalizers=$3} MM_Ingest__AckMode=Durable MM_Logging__Json=false ASPNETCORE_ENVIRONMENT=Production \
    dotnet "$1/src/WebhookApi/bin/Release/net10.0/WebhookApi.dll" --urls "http://127.0.0.1:$PORT" \
    --contentRoot "$1/src/WebhookApi/bin/Release/net10.0" > "$OUT/api-$2.log" 2>&1 &
  API_PID=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "Webhook API did not start (see $OUT/api-$2.log)"
}
stop_api() { kill -TERM "$API_PID"; wait "$API_PID" 2>/dev/null || true; API_PID=; }

# Seconds from the end of the load until every stored event is normalized (0 for a build without the pending table).
drain_seconds() {
  local start; start=$(date +%s.%N)
  [ "$("${PSQL[@]}" -d mm -tA -c "select to_regclass('meta.ingest_pending') is not null")" = t ] || { echo 0; return; }
  while [ "$("${PSQL[@]}" -d mm -tA -c "select count(*) from meta.ingest_pending")" != 0 ]; do sleep 0.1; done
  echo "$(date +%s.%N) - $start" | bc
}

verify() { # run acked-file → "missing duplicates"
  "${PSQL[@]}" -d mm -tA -F ' ' <<SQL
create temp table acked (id text primary key);
\copy acked from '$2'
select (select count(*) from acked a where not exists (select 1 from chat.messages m where m.provider_message_id = a.id)),
       (select count(*) from (select provider_message_id from chat.messages where provider_message_id like 'wamid.bench-$1-%'
                              group by 1 having count(*) > 1) d);
SQL
}

field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$1" "$2"; }

printf 'round\tbuild\tclosed_acked_per_s\tclosed_p99_ms\tclosed_drain_s\tclosed_missing\tclosed_dup\tr1000_p50_ms\tr1000_p99_ms\tr1000_drain_s\tr1000_missing\tr1000_dup\n' > "$OUT/results.tsv"
for round in $(seq 1 "$ROUNDS"); do
  builds="baseline current"
  [ -n "$NORMALIZERS" ] && builds="baseline$(printf ' current-n%s' $NORMALIZERS)"
  for build in $builds; do
    tree="$CURRENT"; [ "$build" = baseline ] && tree="$BASE"
    normalizers=""; [[ "$build" == current-n* ]] && normalizers="${build#current-n}"
    log "round $round: $build"
    fresh_database "$tree"
    start_api "$tree" "$build-$round" "$normalizers"
    name="max$build$round"
    dotnet "$LOAD" --secret "$MM_DEMO_APP_SECRET" --run-id "$name" --duration "$DURATION" --warmup "$WARMUP" \
      --url "http://127.0.0.1:$PORT/webhook" --rate 0 --concurrency 256 --json "$OUT/$name.json" --acked-file "$OUT/$name.acked" > "$OUT/$name.txt"
    cdrain=$(drain_seconds); read -r cmiss cdup < <(verify "$name" "$OUT/$name.acked")
    name1="r1000$build$round"
    dotnet "$LOAD" --secret "$MM_DEMO_APP_SECRET" --run-id "$name1" --duration "$DURATION" --warmup "$WARMUP" \
      --url "http://127.0.0.1:$PORT/webhook" --rate 1000 --json "$OUT/$name1.json" --acked-file "$OUT/$name1.acked" > "$OUT/$name1.txt"
    rdrain=$(drain_seconds); read -r rmiss rdup < <(verify "$name1" "$OUT/$name1.acked")
    stop_api
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$build" \
      "$(field "$OUT/$name.json" "r['achieved_rate']")" "$(field "$OUT/$name.json" "r['latency_ms']['p99']")" "$cdrain" "$cmiss" "$cdup" \
      "$(field "$OUT/$name1.json" "r['latency_ms']['p50']")" "$(field "$OUT/$name1.json" "r['latency_ms']['p99']")" "$rdrain" "$rmiss" "$rdup" \
      | tee -a "$OUT/results.tsv"
  done
done

python3 - "$OUT/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
base = statistics.median(float(x['closed_acked_per_s']) for x in rows if x['build'] == 'baseline')
for build in dict.fromkeys(x['build'] for x in rows):
    r = [x for x in rows if x['build'] == build]
    med = lambda k: statistics.median(float(x[k]) for x in r)
    print(f"{build:10} closed loop {med('closed_acked_per_s'):8.0f}/s acked ({med('closed_acked_per_s') / base:.2f}x; p99 {med('closed_p99_ms'):.1f} ms, drained {med('closed_drain_s'):.1f} s after)"
          f" | 1,000/s p50 {med('r1000_p50_ms'):.2f} ms p99 {med('r1000_p99_ms'):.2f} ms"
          f" | missing {sum(int(x['closed_missing'])+int(x['r1000_missing']) for x in r)} duplicates {sum(int(x['closed_dup'])+int(x['r1000_dup']) for x in r)}")
PY
log "results in ${OUT#$ROOT/}"
