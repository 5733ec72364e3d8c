# Shared by the bench scripts: sourced after ../mm (which provides log, die, as_pg, pg_bin, free_port).
# Runs Release builds of the services as background processes and stops them (and the bench cluster) on exit.
BENCH_PIDS=()

bench_cleanup() {
  for pid in "${BENCH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}

bench_start() { # project port [--Config:Key=value ...]  (environment variables set on the call line pass through;
  # BENCH_LOG names the log when one project runs twice)
  local log="$ROOT/.local/bench-${BENCH_LOG:-$1}.log"
  ASPNETCORE_ENVIRONMENT=Production dotnet "$ROOT/src/$1/bin/Release/net10.0/$1.dll" --urls "http://127.0.0.1:$2" \
    --contentRoot "$ROOT/src/$1/bin/Release/net10.0" "${@:3}" > "$log" 2>&1 &
  BENCH_PIDS+=($!)
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$2/health" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "$1 did not start (see ${log#$ROOT/})"
}

bench_stop() { # the services started so far (the cluster stays up)
  for pid in "${BENCH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${BENCH_PIDS[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  BENCH_PIDS=()
}
