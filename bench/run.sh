#!/usr/bin/env bash
# TypedTasks end-to-end bench: raw NATS.Net vs TypedTasks on a nats-server the bench starts itself.
#   ./bench/run.sh              full run (N = 20,000, 3 runs per figure) -> bench/results/latest.md
#   ./bench/run.sh --quick      N = 2,000 for a quick look              -> bench/results/partial.md
#   ./bench/run.sh E2 L         only some figures (E1 E2 D1 D2 L M)      -> bench/results/partial.md
#   ./bench/run.sh --micro      the BenchmarkDotNet micro benchmarks     -> bench/results/micro.md
#   ./bench/run.sh sched       lateness of tasks due later (native on 2.12+ and schedule stream) -> bench/results/scheduling-<version>.md
#   ./bench/run.sh dash        dashboard page times, empty and with 100,000 records and 1,000 dead letters -> bench/results/dashboard-<version>.md
#   ./bench/run.sh scale       D2 with 1/2/4 worker processes x 1/8/32 slots, 100 B/10 KB/1 MB bodies (N = 5,000, 1 run) -> bench/results/scale.md, scale.png
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ] && [ -z "${NATS_SERVER_BIN:-}" ]; then
  echo "nats-server not found; installing Debian's (apt-get install -y nats-server)" >&2
  apt-get update -qq && apt-get install -y -qq nats-server >/dev/null
fi
# Tier-1 promotion from the first calls, not after 100 ms of quiet: each measurement starts a host of its own (bench/README.md).
export DOTNET_TC_CallCountingDelayMs="${DOTNET_TC_CallCountingDelayMs:-0}"
if [ "${1:-}" = "--micro" ]; then
  shift
  exec dotnet run -c Release --project bench/TypedTasks.Bench.Micro -- "$@"
fi
exec dotnet run -c Release --project bench/TypedTasks.Bench -- "$@"
