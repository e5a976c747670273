#!/usr/bin/env bash
# The test command: builds the solution (Release), runs every test project on Microsoft.Testing.Platform
# against Debian 12's nats-server (2.9.10), then the integration tests and the chord crash test again against a current
# nats-server (2.12+, fetched from Debian unstable), and prints one plain line: "N passed, N failed, N skipped" (all runs).
# Exits 0 only when every test module of both runs passed.
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

# Integration tests start their own nats-server; it has to be on PATH. Debian 12's (2.9.10) is the oldest we
# support; the integration tests run a second time on a current one (Debian unstable's, 2.12+), where tasks due
# later use the server's own scheduled delivery.
ensure_nats_server || exit 1
echo "nats-server: $(command -v nats-server) ($(nats-server --version 2>&1))"
# The dashboard's browser tests run in Debian's headless Chromium, installed like nats-server when missing.
ensure_chromium || exit 1
echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null))"
newer=$(newer_nats_server "$root/artifacts/tools/nats-server-unstable") \
  || { echo "0 passed, 0 failed (no nats-server 2.12+ for the second integration run; see above)"; exit 1; }
echo "newer nats-server: $newer ($("$newer" --version 2>&1))"

dotnet restore TypedTasks.sln || { echo "0 passed, 0 failed (restore failed)"; exit 1; }
dotnet build TypedTasks.sln -c "$configuration" --no-restore || { echo "0 passed, 0 failed (build failed)"; exit 1; }

dotnet test --solution TypedTasks.sln -c "$configuration" --no-build --no-ansi --no-progress 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# The integration tests again, on the newer server.
log_newer="$log_dir/test-newer-server.log"
echo
echo "Integration tests on $("$newer" --version 2>&1):"
NATS_SERVER_BIN="$newer" dotnet test --project tests/Integration.Tests -c "$configuration" --no-build --no-ansi --no-progress 2>&1 | tee "$log_newer"
rc_newer=${PIPESTATUS[0]}

# The chord crash scenario again, on the newer server (issue 12: a chord's callback runs exactly once on both).
log_newer_fault="$log_dir/test-newer-server-chords.log"
echo
echo "Chord crash test on $("$newer" --version 2>&1):"
NATS_SERVER_BIN="$newer" dotnet test --project tests/Fault.Tests -c "$configuration" --no-build --no-ansi --no-progress -- --filter-class "*ChordKillTests" 2>&1 | tee "$log_newer_fault"
rc_fault=${PIPESTATUS[0]}

# MTP ends each run with one aggregated "Test run summary:" block (total:, failed:, succeeded:, skipped:);
# read the last such block of a log. Prints "passed failed skipped", or nothing when the log has no summary.
summary_of() {
  grep -q '^Test run summary:' "$1" || return 0
  awk '/^Test run summary:/ { block = "" } { block = block $0 "\n" } END { printf "%s", block }' "$1" | awk '
    /^ *succeeded:/ { p = $2 } /^ *failed:/ { f = $2 } /^ *skipped:/ { s = $2 }
    END { printf "%d %d %d\n", p, f, s }'
}

first=$(summary_of "$log"); second=$(summary_of "$log_newer"); third=$(summary_of "$log_newer_fault")
if [ -z "$first" ] || [ -z "$second" ] || [ -z "$third" ]; then
  echo "0 passed, 0 failed (no test summary; see $log, $log_newer and $log_newer_fault)"
  exit 1
fi
read -r p1 f1 s1 <<<"$first"
read -r p2 f2 s2 <<<"$second"
read -r p3 f3 s3 <<<"$third"

echo
for pair in "$rc:$log" "$rc_newer:$log_newer" "$rc_fault:$log_newer_fault"; do
  code=${pair%%:*}
  if [ "$code" -ne 0 ]; then
    # Exit code 8 means a test module ran zero tests; MTP counts that as a failure of the run.
    echo "dotnet test exited with $code (see https://aka.ms/testingplatform/exitcodes); log: ${pair#*:}"
  fi
done
# The failed tests by name, near the end: CI keeps only the tail of a long log, where MTP's own "failed" lines are
# long gone behind the passing assemblies' output.
failed_names=$(grep -h -E '^failed [A-Za-z_][A-Za-z0-9_.]+' "$log" "$log_newer" "$log_newer_fault" | cut -c1-300)
if [ -n "$failed_names" ]; then
  echo "failed tests:"
  sed 's/^/  /' <<<"$failed_names"
fi
echo "all test projects on $(nats-server --version 2>&1): $p1 passed, $f1 failed, $s1 skipped"
echo "integration tests on $("$newer" --version 2>&1): $p2 passed, $f2 failed, $s2 skipped"
echo "chord crash test on $("$newer" --version 2>&1): $p3 passed, $f3 failed, $s3 skipped"
# The plain closing line, last on purpose.
echo "$((p1 + p2 + p3)) passed, $((f1 + f2 + f3)) failed, $((s1 + s2 + s3)) skipped"
[ "$rc" -ne 0 ] && exit "$rc"
[ "$rc_newer" -ne 0 ] && exit "$rc_newer"
exit "$rc_fault"
