#!/usr/bin/env bash
# The test command: builds the solution (Release) and runs every test project on
# Microsoft.Testing.Platform, then prints one plain line: "N passed, N failed, N skipped".
# Exits with the exit code of `dotnet test` (0 only when every test module passed).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/common.sh
source scripts/lib/common.sh

configuration=Release
log_dir="$root/artifacts/test"
log="$log_dir/test.log"
mkdir -p "$log_dir"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Integration tests start their own nats-server; it has to be on PATH.
ensure_nats_server || exit 1
echo "nats-server: $(command -v nats-server) ($(nats-server --version 2>&1))"

dotnet restore TypedTasks.sln || { echo "0 passed, 0 failed (restore failed)"; exit 1; }
dotnet build TypedTasks.sln -c "$configuration" --no-restore || { echo "0 passed, 0 failed (build failed)"; exit 1; }

dotnet test --solution TypedTasks.sln -c "$configuration" --no-build --no-ansi --no-progress 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# With several test modules MTP ends with one aggregated "Test run summary:" block (total:, failed:,
# succeeded:, skipped:); read the last such block only.
summary=$(awk '/^Test run summary:/ { block = "" } { block = block $0 "\n" } END { printf "%s", block }' "$log")
count() { printf '%s' "$summary" | sed -n "s/^ *$1: *\([0-9][0-9]*\).*/\1/p" | tail -1; }
passed=$(count succeeded); failed=$(count failed); skipped=$(count skipped)

if ! grep -q '^Test run summary:' "$log"; then
  echo "0 passed, 0 failed (no test summary; see $log)"
  [ "$rc" -eq 0 ] && rc=1
  exit "$rc"
fi

echo
if [ "$rc" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  # Exit code 8 means a test module ran zero tests; MTP counts that as a failure of the run.
  echo "dotnet test exited with $rc (see https://aka.ms/testingplatform/exitcodes); log: $log"
fi
# The plain closing line, last on purpose.
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$rc"
