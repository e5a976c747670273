#!/usr/bin/env bash
# A/B of the end-to-end bench between builds, one figure at a time: in each round, for each figure, every side runs that
# figure back to back (the order rotating by round), so the machine's drift between rounds falls on all sides alike.
#
#   bench/ab/ab.sh OUTDIR "E1 E2 D1 D2 L" ROUNDS "name:dir:rawbytes ..."
#
# dir: a checkout whose bench is built (dotnet build bench/TypedTasks.Bench -c Release); rawbytes: BENCH_RAW_BYTES for that
# side, or '-'. Each invocation writes OUTDIR/r<round>-<figure>-<name>.md and .log; bench/ab/summary.py reads them.
# The base of issues 10 and 14 is e8dfb29 with main's bench driver (bench/ab/README.md).
set -u
if [ $# -ne 4 ]; then sed -n 2,10p "$0"; exit 2; fi
out=$1; figs=$2; rounds=$3; read -r -a sides <<<"$4"
mkdir -p "$out"
export DOTNET_TC_CallCountingDelayMs=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
run() { # spec figure round
  local name=${1%%:*} rest=${1#*:}
  local dir=${rest%%:*} raw=${rest#*:}
  [ "$raw" = "-" ] && raw=""
  local f="$out/r$3-$2-$name"
  (cd "$dir" && BENCH_RAW_BYTES="$raw" dotnet bench/TypedTasks.Bench/bin/Release/net10.0/TypedTasks.Bench.dll --out "$f.md" "$2" >"$f.log" 2>&1)
  echo "$(date +%H:%M:%S) r$3 $2 $name rc=$? load=$(cut -d' ' -f1 /proc/loadavg)" >>"$out/progress"
}
n=${#sides[@]}
for r in $(seq 1 "$rounds"); do
  for fig in $figs; do
    for k in $(seq 0 $((n - 1))); do run "${sides[$(((k + r - 1) % n))]}" "$fig" "$r"; done
  done
done
echo done >>"$out/progress"
