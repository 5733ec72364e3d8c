#!/usr/bin/env bash
# Server memory per idle console circuit (DESIGN.md: <= 300 KB).
#   bench/console-memory.sh [steps]     default steps: 26,51,101 open circuits
#   MM_BENCH_PATH=/p/1/m/calls bench/console-memory.sh   circuits on a page without the live feed (the floor)
#   MM_BENCH_HOLD=/tmp/hold bench/console-memory.sh 51   keeps the circuits open until /tmp/hold is deleted (for dotnet-gcdump)
# Runs a Release Core API and Front on their own PostgreSQL cluster (.local/bench-pg), signs in once in Chromium, opens
# console tabs (each one circuit with its live feed connected) and reads the Front's private memory and GC heap.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MM_PGDATA="$ROOT/.local/bench-pg/data"
# shellcheck source=../mm
. "$ROOT/mm"

STEPS="${1:-26,51,101}"
ensure_dependencies
load_secrets
log "building Release"
# dotnet-gcdump reads the Front's live heap after a full GC (installed once into .local/tools).
GCDUMP="$ROOT/.local/tools/dotnet-gcdump"
[ -x "$GCDUMP" ] || dotnet tool install dotnet-gcdump --version 10.0.750501 --tool-path "$ROOT/.local/tools" >/dev/null
for p in src/CoreApi src/Front src/Migrator bench/ConsoleMemory; do
  dotnet build "$ROOT/$p" -c Release -v quiet -nologo -clp:ErrorsOnly >/dev/null
done
start_postgres
"$(pg_bin)/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -d postgres -c "drop database if exists mm with (force)" -c "create database mm"
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" migrate >/dev/null
dotnet "$ROOT/src/Migrator/bin/Release/net10.0/Migrator.dll" seed-demo >/dev/null

# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"
trap bench_cleanup EXIT
CORE="$(free_port 5281)"; bench_start CoreApi "$CORE"
FRONT="$(free_port 5283)"; MM_CoreApi__BaseAddress="http://127.0.0.1:$CORE" bench_start Front "$FRONT"
FRONT_PID="${BENCH_PIDS[-1]}"

dotnet "$ROOT/bench/ConsoleMemory/bin/Release/net10.0/ConsoleMemory.dll" --front "http://127.0.0.1:$FRONT" --pid "$FRONT_PID" --gcdump "$GCDUMP" \
  --email agent@demo.local --password "$MM_DEMO_PASSWORD" --steps "$STEPS" ${MM_BENCH_HOLD:+--hold "$MM_BENCH_HOLD"} ${MM_BENCH_PATH:+--path "$MM_BENCH_PATH"}
