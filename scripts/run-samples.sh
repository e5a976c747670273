#!/usr/bin/env bash
# Runs the samples end to end on this machine and says what happened, in plain lines:
#   1. a feedback form (JSON; a form post and an address carrying a mail header are refused) is saved and the worker
#      sends the thank-you email (.eml files);
#   2. a report is started, its status polled until SUCCESS, and the report file downloaded;
#   3. the report task is sent again from bash with the bare NATS protocol (docs/protocol.md), then an
#      unknown task and a newer protocol version, which the worker dead-letters as FAILURE;
#   4. a worker stopped in the middle of a report cancels it and hands it back; a new worker finishes it;
#   5. from bash again: a task with a countdown (schedule stream) runs when due; a revoked one never runs;
#   6. the annual report as a typed chain (docs/workflows.md): gather -> render -> notify, each step's state polled until
#      the chain ends, its result, the email and the file; `tt status` prints the chain's record;
#   7. three years compared as a chord (docs/workflows.md): each year gathered in parallel, then one callback compares
#      them; the status polled until it ends, the best year, and the worker's log line that it sent the callback;
#   7. the periodic cleanup (docs/periodic.md) fires every 2 s, once per occurrence; `tt schedules` lists it;
#   8. the dashboard the web app mounts at /tasks (TypedTasks.Dashboard): its URL, and every page answers 200
#      (overview, queues, workers, tasks, a task, workflows, due later, periodic, dead letters, task types).
# Builds the samples once, then starts nats-server, the worker and the web app from the build output
# (no rebuild) on free 127.0.0.1 ports, and stops everything it started on exit.
# Exits non-zero when any step fails. Environment: SAMPLES_TIMEOUT (seconds per wait, default 60),
# Samples__ReportSeconds (how long the report takes, default 3), KEEP_TEMP=1 keeps logs and files.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/common.sh
source scripts/lib/common.sh
# shellcheck source=lib/nats-raw.sh
source scripts/lib/nats-raw.sh

configuration=Release
timeout="${SAMPLES_TIMEOUT:-60}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work="$(mktemp -d "${TMPDIR:-/tmp}/typedtasks-samples.XXXXXX")"
pids=()
failed=0

say() { printf '%s\n' "$*"; }
step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'FAILED: %s\n' "$*"
  failed=1
  exit 1
}

# Stops what this script started (newest first), politely then firmly; prints logs when a step failed.
cleanup() {
  local rc=$? pid i
  [ "$rc" -ne 0 ] && failed=1
  for (( i=${#pids[@]}-1; i>=0; i-- )); do
    pid=${pids[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$failed" -ne 0 ]; then
    for log in "$work"/nats.log "$work"/worker.log "$work"/worker2.log "$work"/web.log; do
      [ -f "$log" ] || continue
      printf '\n--- last lines of %s ---\n' "$(basename "$log")" >&2
      tail -n 25 "$log" >&2
    done
  fi
  if [ "${KEEP_TEMP:-0}" = 1 ]; then
    say "Logs and files kept in $work"
  else
    rm -rf "$work"
  fi
  if [ "$failed" -ne 0 ]; then
    [ "$rc" -eq 0 ] && rc=1
    say "Samples: FAILED (exit code $rc)"
    exit "$rc"
  fi
  say "Samples: all steps passed"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until DESCRIPTION PID COMMAND...: runs COMMAND every 0.2 s until it succeeds, for at most
# $timeout seconds; gives up early when process PID (0: none) has exited.
wait_until() {
  local description=$1 pid=$2
  shift 2
  local deadline=$(( SECONDS + timeout ))
  until "$@"; do
    if [ "$pid" != 0 ] && ! kill -0 "$pid" 2>/dev/null; then
      fail "$description: the process exited"
    fi
    [ "$SECONDS" -ge "$deadline" ] && fail "$description: not within ${timeout}s"
    sleep 0.2
  done
}

# json_field NAME: the value of a top-level string or number property of the JSON on stdin.
json_field() {
  sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" | head -n 1
}

step "Prerequisites"
ensure_commands nats-server:nats-server curl:curl || fail "cannot install prerequisites"
say "nats-server: $(command -v nats-server) ($(nats-server --version 2>&1))"
say "dotnet: $(dotnet --version)"

step "Build the samples ($configuration)"
for project in samples/Samples.Worker/Samples.Worker.csproj samples/Samples.Web/Samples.Web.csproj src/Cli/TypedTasks.Cli.csproj; do
  dotnet build "$project" -c "$configuration" -nologo -v quiet >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; fail "dotnet build $project"; }
done
say "built Samples.Worker, Samples.Web and the tt command line"
tt() { dotnet "src/Cli/bin/$configuration/net10.0/tt.dll" --url "nats://127.0.0.1:$nats_port" "$@"; }

step "Start nats-server with JetStream"
nats-server -js -a 127.0.0.1 -p -1 -sd "$work/nats" >"$work/nats.log" 2>&1 &
nats_pid=$!
pids+=("$nats_pid")
wait_until "nats-server ready" "$nats_pid" grep -q 'Server is ready' "$work/nats.log"
nats_port=$(sed -n 's/.*Listening for client connections on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/nats.log" | head -n 1)
[ -n "$nats_port" ] || fail "cannot read the nats-server port from its log"
say "nats-server pid $nats_pid on nats://127.0.0.1:$nats_port (store $work/nats)"

export TypedTasks__Url="nats://127.0.0.1:$nats_port"
export Samples__PickupFolder="$work/mail"
export Samples__AssetFolder="$work/assets"
export Samples__ReportSeconds="${Samples__ReportSeconds:-3}"
# The periodic sample: besides the [Periodic] nightly cleanup (03:00 Paris), a cleanup every 2 s registered in code
# (AddPeriodic), so that the run sees it fire (docs/periodic.md).
export Samples__CleanupEvery="00:00:02"

# start_worker LOG: starts a worker from the build output and waits until it serves its queues
# (it logs "Worker <host/pid> serving queues …" once its consumers are in place); sets $worker_pid.
start_worker() {
  local log=$1
  (cd "samples/Samples.Worker/bin/$configuration/net10.0" && exec dotnet Samples.Worker.dll) >"$log" 2>&1 &
  worker_pid=$!
  pids+=("$worker_pid")
  wait_until "worker serving its queues" "$worker_pid" grep -q 'serving queues' "$log"
  say "worker pid $worker_pid: $(grep -o 'serving queues.*' "$log" | head -n 1)"
}

step "Start the worker"
# A short shutdown grace period, so that story 4 can stop a worker in the middle of a report.
export TypedTasks__Worker__ShutdownGracePeriod="00:00:01"
start_worker "$work/worker.log"

step "Start the web app"
# Port 0: the OS picks a free port; the app logs the address it got.
# Development: the dashboard it mounts at /tasks has no authorization policy in the samples, and then answers only
# local requests in Development (docs/dashboard.md); anywhere else it would answer 403.
(cd "samples/Samples.Web/bin/$configuration/net10.0" && ASPNETCORE_ENVIRONMENT=Development exec dotnet Samples.Web.dll --urls "http://127.0.0.1:0") >"$work/web.log" 2>&1 &
web_pid=$!
pids+=("$web_pid")
wait_until "web app listening" "$web_pid" grep -q 'Now listening on: http://127.0.0.1:' "$work/web.log"
web="$(sed -n 's/.*Now listening on: \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/web.log" | head -n 1)"
wait_until "web app answering GET /" "$web_pid" curl -fsS -o /dev/null "$web/"
say "web app pid $web_pid on $web"
say "GET /healthz -> $(curl -fsS "$web/healthz")" || fail "GET /healthz"
[ "$(curl -fsS "$web/healthz")" = "Healthy" ] || fail "the web app's TypedTasks health check is not Healthy"
# The page's live list of task events, as a browser's EventSource reads it (SendTaskEvents is on in both apps).
curl -sN -D "$work/events.headers" "$web/events" >"$work/events.sse" 2>/dev/null &
pids+=("$!")
# The endpoint subscribes before it answers: once the headers are here, no event is missed.
wait_until "GET /events answering" "$!" grep -q "text/event-stream" "$work/events.headers"
say "listening to GET /events (server-sent task events) into $work/events.sse"

# poll_status URL FINAL: polls a status endpoint every 0.5 s until its "status" is FINAL (or FAILURE),
# printing each state it sees once; leaves the last response in $status_body.
poll_status() {
  local url=$1 final=$2 state note orders shown last="" deadline=$(( SECONDS + timeout ))
  while :; do
    status_body="$(curl -fsS "$url")" || fail "GET $url"
    state="$(printf '%s' "$status_body" | json_field status)"
    # The report reports its progress (TaskContext.ReportProgressAsync), with a typed record of its own (orders so far):
    # show them with the state.
    note="$(printf '%s' "$status_body" | json_field progressNote)"; [ "$note" = null ] && note=""
    orders="$(printf '%s' "$status_body" | json_field orders)"
    shown="$state${note:+ ($note${orders:+, $orders orders so far})}"
    if [ "$shown" != "$last" ]; then
      say "  state: $shown"
      last=$shown
    fi
    [ "$state" = "$final" ] && return 0
    [ "$state" = FAILURE ] && fail "task failed: $status_body"
    [ "$SECONDS" -ge "$deadline" ] && fail "still $state after ${timeout}s: $url"
    sleep 0.5
  done
}

# poll_workflow URL NAME PROGRESS: polls a workflow's status page until its own status (the answer's first "status")
# ends; prints each change as "NAME STATE" and what the function PROGRESS says of the answer (read on stdin); fails
# unless it ends SUCCESS within the timeout. The last answer stays in $status_body.
poll_workflow() {
  local url=$1 name=$2 progress=$3 state shown last="" deadline=$(( SECONDS + timeout ))
  while :; do
    status_body="$(curl -fsS "$url")" || fail "GET $url"
    # The workflow's own status comes first (json_field would find a step's).
    state="$(sed -n 's/^{"status":"\([A-Z]*\)".*/\1/p' <<<"$status_body")"
    shown="$name $state$("$progress" <<<"$status_body")"
    if [ "$shown" != "$last" ]; then
      say "  $shown"
      last=$shown
    fi
    case "$state" in
      SUCCESS) return 0 ;;
      FAILURE | REVOKED) fail "the $name ended $state: $status_body" ;;
    esac
    [ "$SECONDS" -ge "$deadline" ] && fail "the $name is still $state after ${timeout}s: $status_body"
    sleep 0.5
  done
}

step "Story 1: feedback form, thank-you email sent in the background"
response="$(curl -sS -w '\n%{http_code}' -X POST "$web/feedback" -H 'Content-Type: application/json' \
  -d '{"email":"ada@example.com","message":"Love the typed proxies!"}')" \
  || fail "POST /feedback"
code="${response##*$'\n'}"
body="${response%$'\n'*}"
[ "$code" = 202 ] || fail "POST /feedback answered $code: $body"
email_task="$(printf '%s' "$body" | json_field taskId)"
say "POST /feedback -> $code, task id $email_task"
poll_status "$web/feedback/$email_task/status" SUCCESS
eml_written() { compgen -G "$work/mail/*.eml" >/dev/null; }
wait_until "email file written" "$worker_pid" eml_written
eml="$(ls "$work/mail"/*.eml | head -n 1)"
say "email written: $eml ($(wc -c <"$eml") bytes)"
grep -E '^(To|Subject):' "$eml" | sed 's/\r$//; s/^/  /'

# What the endpoint refuses (docs/security.md): an HTML form post, which another site could make a visitor send,
# and an address carrying a mail header.
code="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$web/feedback" --data-urlencode 'email=eve@example.com')" \
  || fail "POST /feedback (form)"
[ "$code" = 415 ] || fail "POST /feedback as a form post answered $code, not 415"
say "POST /feedback as a form post -> $code (JSON only)"
code="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$web/feedback" -H 'Content-Type: application/json' \
  -d '{"email":"eve@example.com\r\nBcc: victim@example.com"}')" || fail "POST /feedback (header injection)"
[ "$code" = 400 ] || fail "POST /feedback with a CR/LF in the address answered $code, not 400"
say "POST /feedback with '\\r\\nBcc:' in the address -> $code"

# A second visitor.
response="$(curl -sS -w '\n%{http_code}' -X POST "$web/feedback" -H 'Content-Type: application/json' \
  -d '{"email":"grace@example.com","message":"Works with JSON as well."}')" || fail "POST /feedback (JSON)"
code="${response##*$'\n'}"
[ "$code" = 202 ] || fail "POST /feedback (JSON) answered $code: ${response%$'\n'*}"
json_task="$(printf '%s' "${response%$'\n'*}" | json_field taskId)"
say "POST /feedback (second visitor) -> $code, task id $json_task"
poll_status "$web/feedback/$json_task/status" SUCCESS
two_emls() { [ "$(find "$work/mail" -name '*.eml' | wc -l)" -ge 2 ]; }
wait_until "second email file written" "$worker_pid" two_emls
say "emails in the pickup folder: $(find "$work/mail" -name '*.eml' | wc -l)"

step "Story 2: a slow report, polled until done, then downloaded"
response="$(curl -sS -w '\n%{http_code}' -X POST "$web/reports" -H 'Content-Type: application/json' -d '{"year":2024}')" \
  || fail "POST /reports"
code="${response##*$'\n'}"
body="${response%$'\n'*}"
[ "$code" = 202 ] || fail "POST /reports answered $code: $body"
report_task="$(printf '%s' "$body" | json_field taskId)"
say "POST /reports -> $code, task id $report_task (the report takes ${Samples__ReportSeconds}s)"
poll_status "$web/reports/$report_task/status" SUCCESS
asset_id="$(printf '%s' "$status_body" | json_field assetId)"
say "  final status: $status_body"
[ -n "$asset_id" ] && [ "$asset_id" != null ] || fail "SUCCESS without an asset id: $status_body"
curl -fsS -o "$work/report.csv" "$web/reports/$report_task/asset" || fail "GET /reports/$report_task/asset"
size=$(wc -c <"$work/report.csv")
[ "$size" -gt 0 ] || fail "the downloaded report is empty"
say "report asset $asset_id downloaded: $size bytes, $(wc -l <"$work/report.csv") lines"
head -n 3 "$work/report.csv" | sed 's/^/  /'

step "Story 3: the same report task sent without TypedTasks (bash speaking the NATS protocol, docs/protocol.md)"
raw_task="bash-$(date +%s)-$$"
ack="$(nats_send_task "$nats_port" tt.tasks.reports Samples.Tasks.ReportTasks.GenerateReport "$raw_task" '{"year":1999}')" \
  || fail "publish to tt.tasks.reports: ${ack:-no answer}"
say "published to tt.tasks.reports, task id $raw_task, JetStream ack $ack"
poll_status "$web/reports/$raw_task/status" SUCCESS
say "  final status: $status_body"

# Messages a worker cannot run are dead-lettered (stream TT_DEAD) and recorded as FAILURE.
for case in "unknown task|Samples.Tasks.NoSuchTask|1" "newer protocol|Samples.Tasks.ReportTasks.GenerateReport|2"; do
  IFS='|' read -r what task protocol <<<"$case"
  bad_task="bash-dead-$(date +%s%N)"
  ack="$(nats_send_task "$nats_port" tt.tasks.reports "$task" "$bad_task" '{"year":1999}' "$protocol")" \
    || fail "publish ($what): ${ack:-no answer}"
  say "published a message with $what (TT-Task $task, TT-Protocol $protocol), task id $bad_task"
  poll_status "$web/reports/$bad_task/status" FAILURE
  say "  final status: $status_body"
done
grep -q 'Dead-lettered' "$work/worker.log" && say "worker log: $(grep -c 'Dead-lettered' "$work/worker.log") message(s) dead-lettered"

step "Story 4: a worker stopped in the middle of a report hands it back; another one finishes it"
response="$(curl -sS -w '\n%{http_code}' -X POST "$web/reports" -H 'Content-Type: application/json' -d '{"year":2023}')" \
  || fail "POST /reports"
code="${response##*$'\n'}"
[ "$code" = 202 ] || fail "POST /reports answered $code: ${response%$'\n'*}"
report_task="$(printf '%s' "${response%$'\n'*}" | json_field taskId)"
say "POST /reports -> $code, task id $report_task"
poll_status "$web/reports/$report_task/status" STARTED
stop_started=$SECONDS
kill -TERM "$worker_pid"
wait "$worker_pid" 2>/dev/null
say "worker pid $worker_pid stopped after $(( SECONDS - stop_started ))s (grace period 1s; the report honours its CancellationToken)"
grep -q "$report_task.*handed back" "$work/worker.log" || fail "the worker did not hand the report back"
say "  worker log: $(grep -o "was cancelled by shutdown.*" "$work/worker.log" | head -n 1)"
start_worker "$work/worker2.log"
poll_status "$web/reports/$report_task/status" SUCCESS
say "  final status: $status_body"

step "Story 5: a countdown and a revocation, from bash (scheduling and revocation bucket, docs/protocol.md)"
# A task due later goes to the server's scheduled delivery when the workers made TT_DELAYED (nats-server
# 2.12+), else to the schedule stream (docs/protocol.md, section 4).
if [[ "$(nats_request "$nats_port" '$JS.API.STREAM.INFO.TT_DELAYED' '' || true)" == *'"allow_msg_schedules":true'* ]]; then
  say "TT_DELAYED exists: scheduling with the server's scheduled delivery (Nats-Schedule)"
  later_subject="tt.delayed.reports.<id>"
  send_later() { # TASK_ID BODY: due at $due
    nats_send_task "$nats_port" "tt.delayed.reports.$1" Samples.Tasks.ReportTasks.GenerateReport "$1" "$2" 1 \
      "TT-Eta: $due" "TT-Queue: reports" "Nats-Schedule: @at $due" "Nats-Schedule-Target: tt.delayed.reports"
  }
else
  say "no TT_DELAYED: scheduling through the schedule stream TT_SCHEDULED"
  later_subject="tt.scheduled.reports"
  send_later() { # TASK_ID BODY: due at $due
    nats_send_task "$nats_port" "$later_subject" Samples.Tasks.ReportTasks.GenerateReport "$1" "$2" 1 \
      "TT-Eta: $due" "TT-Queue: reports"
  }
fi
due="$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%S.%3NZ)"
later_task="bash-eta-$(date +%s%N)"
ack="$(send_later "$later_task" '{"year":2000}')" || fail "publish to $later_subject: ${ack:-no answer}"
sent_at=$SECONDS
say "published to $later_subject, task id $later_task, due $due, JetStream ack $ack"
poll_status "$web/reports/$later_task/status" SUCCESS
say "  done $(( SECONDS - sent_at ))s after sending (due after 3s)"
[ $(( SECONDS - sent_at )) -ge 2 ] || fail "the task ran before it was due"

revoked_task="bash-revoke-$(date +%s%N)"
due="$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%S.%3NZ)"
ack="$(send_later "$revoked_task" '{"year":2001}')" || fail "publish to $later_subject: ${ack:-no answer}"
say "published to $later_subject, task id $revoked_task, due $due"
ack="$(nats_kv_put "$nats_port" TT_REVOKED "$revoked_task" "{\"terminate\":false,\"at\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}")" \
  || fail "put in TT_REVOKED: ${ack:-no answer}"
say "revoked it: put key $revoked_task in KV TT_REVOKED, ack $ack"
poll_status "$web/reports/$revoked_task/status" REVOKED
say "  final status: $status_body"

step "Story 6: the annual report as a typed chain, gather -> render -> notify (docs/workflows.md)"
# chain_steps: the steps of a GET /reports/chains/{id} answer on stdin, in one line:
# "GatherFigures SUCCESS -> RenderReport STARTED -> NotifyReady PENDING" (with a running step's progress note).
chain_steps() {
  grep -o '"task":"[^"]*","taskId":"[^"]*","status":"[^"]*","progressNote":\(null\|"[^"]*"\)' \
    | sed 's/"task":"\([^"]*\.\)\{0,1\}\([^".]*\)","taskId":"[^"]*","status":"\([^"]*\)","progressNote":\(null\|"\([^"]*\)"\)/\2 \3 (\5)/; s/ ()$//' \
    | paste -sd '|' | sed 's/|/ -> /g'
}
response="$(curl -sS -w '\n%{http_code}' -X POST "$web/reports/2024/chain" -H 'Content-Type: application/json' \
  -d '{"notify":"ada@example.com"}')" || fail "POST /reports/2024/chain"
code="${response##*$'\n'}"
body="${response%$'\n'*}"
[ "$code" = 202 ] || fail "POST /reports/2024/chain answered $code: $body"
chain_id="$(printf '%s' "$body" | json_field chainId)"
[ -n "$chain_id" ] || fail "POST /reports/2024/chain answered no chain id: $body"
say "POST /reports/2024/chain -> $code, chain id $chain_id"
say "  ReportTasks.AnnualReport: GatherFigures.Call(2024).Then(RenderReport.Partial()).Then(NotifyReady.Partial(to: \"ada@example.com\"))"
# Poll the chain's status (its record, and each step's under <chain id>-<n>) until it ends; print each change.
chain_progress() { printf ': %s' "$(chain_steps)"; }
poll_workflow "$web/reports/chains/$chain_id" chain chain_progress
[ "$(grep -o '"status":"SUCCESS"' <<<"$status_body" | wc -l)" -eq 4 ] || fail "the chain succeeded but not each of its 3 steps: $status_body"
result="$(grep -o '"result":{[^}]*}' <<<"$status_body")"
[ -n "$result" ] || fail "the chain succeeded without a result: $status_body"
say "  result (NotifyReady's, the last step's): ${result#\"result\":}"
chain_email() { grep -l '^Subject: Your 2024 sales report is ready' "$work"/mail/*.eml 2>/dev/null | head -n 1; }
eml="$(chain_email)"
[ -n "$eml" ] || fail "the chain succeeded but no email 'Your 2024 sales report is ready' is in $work/mail"
say "email written: $eml"
grep -E '^(To|Subject):' "$eml" | sed 's/\r$//; s/^/  /'
curl -fsS -o "$work/annual.csv" "$web/reports/chains/$chain_id/asset" || fail "GET /reports/chains/$chain_id/asset"
say "GET /reports/chains/$chain_id/asset: $(wc -c <"$work/annual.csv") bytes, $(wc -l <"$work/annual.csv") lines"
cmp -s "$work/annual.csv" "$work/report.csv" || fail "the chain's 2024 report differs from story 2's (same year, same figures)"
say "  the same bytes as story 2's one-task 2024 report"
chain_log="$(cat "$work"/worker*.log | grep -o "Chain $chain_id ended [A-Z]* at step [0-9]*" | head -n 1)"
[ -n "$chain_log" ] || fail "no worker logged the end of chain $chain_id"
say "worker log: $chain_log"

step "Story 7: three years compared, as a chord: gather 2022, 2023, 2024 in parallel -> compare (docs/workflows.md)"
response="$(curl -sS -w '\n%{http_code}' -X POST "$web/reports/compare/2022/2024")" || fail "POST /reports/compare/2022/2024"
code="${response##*$'\n'}"
body="${response%$'\n'*}"
[ "$code" = 202 ] || fail "POST /reports/compare/2022/2024 answered $code: $body"
comparison_id="$(printf '%s' "$body" | json_field comparisonId)"
[ -n "$comparison_id" ] || fail "POST /reports/compare/2022/2024 answered no comparison id: $body"
say "POST /reports/compare/2022/2024 -> $code, comparison id $comparison_id (the callback's task id)"
say "  ReportTasks.Comparison: TaskGroup.Of(GatherFigures.Call(2022), .Call(2023), .Call(2024)).Then(CompareYears.Partial())"
years_gathered() { printf ', %s of 3 years gathered' "$(grep -o '"yearsDone":[0-9]*' | cut -d: -f2)"; }
poll_workflow "$web/reports/comparisons/$comparison_id" comparison years_gathered
best="$(grep -o '"bestYear":[0-9]*' <<<"$status_body" | cut -d: -f2)"
[ -n "$best" ] || fail "the comparison succeeded without a best year: $status_body"
say "  result (CompareYears', the callback's): best year $best; $(grep -o '"years":\[.*\]' <<<"$status_body")"
chord_log="$(cat "$work"/worker*.log | grep -o "Chord ${comparison_id%-callback}: all 3 members done; callback [^ ]* sent" | head -n 1)"
[ -n "$chord_log" ] || fail "no worker logged that it sent the comparison's callback"
say "worker log: $chord_log"

step "Workers: their heartbeats (TT_WORKERS), as GET /workers shows them (IWorkerInspector)"
workers="$(curl -fsS "$web/workers?lost=true")" || fail "GET /workers"
say "GET /workers?lost=true -> $workers"
# The first worker stopped cleanly (story 4) and removed its heartbeat; the second is up. The page is anonymous: no
# host, process id or task id in it (docs/security.md); `tt workers` below shows those to the operator.
[ "$(grep -o '"name":' <<<"$workers" | wc -l)" -eq 1 ] || fail "expected exactly one worker in GET /workers"
[[ $workers == *'"alive":true'* ]] || fail "the running worker is not listed as alive"
[[ $workers != *'"processId"'* && $workers != *'"host"'* ]] || fail "GET /workers discloses hosts or process ids"

step "Task events seen by the page's live list (GET /events)"
for kind in Sent Started Succeeded Failed Retried Revoked DeadLettered; do
  n=$(grep -c "\"kind\":\"$kind\"" "$work/events.sse" || true)
  [ "$n" -gt 0 ] && say "  $kind: $n"
done
grep -q "\"kind\":\"Succeeded\",\"id\":\"$email_task\"" "$work/events.sse" \
  || fail "no Succeeded event for the feedback email task $email_task in GET /events"
say "  e.g. $(grep -m1 "\"kind\":\"Succeeded\",\"id\":\"$email_task\"" "$work/events.sse" | cut -c1-160)…"

step "The same from the shell: tt (src/Cli, docs/cli.md)"
say "\$ tt workers"
tt workers || fail "tt workers"
say "\$ tt queues"
tt queues || fail "tt queues"
say "\$ tt schedules"
tt schedules | tee "$work/tt-schedules.txt" || fail "tt schedules"
grep -qE '^nightly-cleanup .*0 0 3 \* \* \* \(Europe/Paris\)' "$work/tt-schedules.txt" || fail "tt schedules does not list the nightly cleanup"
grep -E -q '^cleanup-sample-run .*every 00:00:02 +[0-9]{4}-' "$work/tt-schedules.txt" || fail "tt schedules does not show the 2-second cleanup fired"
cleanups=$(cat "$work"/worker*.log | grep -c 'Cleanup: deleted' || true)
say "the 2-second cleanup ran $cleanups times in the workers (each occurrence once, however many workers run the scheduler)"
say "\$ tt status $chain_id"
tt status "$chain_id" | tee "$work/tt-chain.txt" || fail "tt status $chain_id"
grep -q "$chain_id: SUCCESS" "$work/tt-chain.txt" || fail "tt status of the chain did not say SUCCESS"
grep -qE '^ +chain: +3 steps: Samples.Tasks.ReportTasks.GatherFigures -> Samples.Tasks.ReportTasks.RenderReport -> Samples.Tasks.ReportTasks.NotifyReady' "$work/tt-chain.txt" \
  || fail "tt status of the chain does not list its 3 steps"
say "\$ tt status $chain_id-1"
tt status "$chain_id-1" | tee "$work/tt-chain-step.txt" || fail "tt status $chain_id-1"
grep -q "$chain_id-1: SUCCESS" "$work/tt-chain-step.txt" || fail "tt status of the chain's step 1 did not say SUCCESS"
say "\$ tt status $later_task"
tt status "$later_task" | tee "$work/tt-status.txt" || fail "tt status"
grep -q "$later_task: SUCCESS" "$work/tt-status.txt" || fail "tt status did not say SUCCESS"

step "The dashboard (TypedTasks.Dashboard, docs/dashboard.md)"
say "dashboard: $web/tasks"
for path in /tasks /tasks/queues /tasks/workers /tasks/tasks "/tasks/tasks/$later_task" /tasks/workflows /tasks/scheduled /tasks/periodic /tasks/dead /tasks/catalog; do
  code="$(curl -sS -o "$work/dashboard.html" -w '%{http_code}' "$web$path")" || fail "GET $path"
  [ "$code" = 200 ] || fail "GET $path -> $code (expected 200)"
  say "GET $path -> $code, $(wc -c <"$work/dashboard.html") bytes"
done
curl -fsS -o "$work/dashboard.html" "$web/tasks/tasks/$later_task" || fail "GET /tasks/tasks/$later_task"
grep -q ">SUCCESS<" "$work/dashboard.html" || fail "the dashboard's page of task $later_task does not say SUCCESS"
say "the dashboard's page of task $later_task says SUCCESS"

step "Stop everything"
