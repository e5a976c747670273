# Sourced by scripts/run-samples.sh: sends a task with nothing but bash and the NATS text protocol, as a
# producer in any language can (docs/protocol.md, "Sending a task"). No TypedTasks code is involved.

# nats_send_task PORT QUEUE TASK_NAME TASK_ID JSON_BODY [PROTOCOL_VERSION (default 1)]
# Publishes the task message to tt.tasks.<queue> on 127.0.0.1:PORT with a reply inbox, and prints
# JetStream's PubAck ({"stream":"TT_TASKS","seq":…}). Fails when no ack arrives within 5 s.
nats_send_task() {
  local port=$1 queue=$2 task=$3 id=$4 body=$5 protocol=${6:-1} line ack="" fd
  local LC_ALL=C   # ${#var} must count bytes
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
  IFS= read -r -t 5 line <&"$fd" || { exec {fd}>&-; return 1; }   # the server's INFO line

  local headers=$'NATS/1.0\r\n'
  headers+="TT-Protocol: $protocol"$'\r\n'
  headers+="TT-Task: $task"$'\r\n'
  headers+="TT-Id: $id"$'\r\n'
  headers+="Nats-Msg-Id: $id"$'\r\n'
  headers+=$'\r\n'
  printf 'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1,"name":"bash"}\r\n' >&"$fd"
  printf 'SUB _INBOX.bash.%s 1\r\n' "$id" >&"$fd"
  printf 'HPUB tt.tasks.%s _INBOX.bash.%s %d %d\r\n%s%s\r\nPING\r\n' \
    "$queue" "$id" "${#headers}" "$(( ${#headers} + ${#body} ))" "$headers" "$body" >&"$fd"

  while IFS= read -r -t 5 line <&"$fd"; do
    line=${line%$'\r'}
    case $line in
      "MSG _INBOX.bash.$id "*) IFS= read -r -t 5 ack <&"$fd"; ack=${ack%$'\r'}; break ;;
      "HMSG _INBOX.bash.$id "*) IFS= read -r -t 5 line <&"$fd"; ack="error: ${line%$'\r'}"; break ;;  # e.g. 503: no stream
      PING) printf 'PONG\r\n' >&"$fd" ;;
    esac
  done
  exec {fd}>&-
  printf '%s\n' "$ack"
  [[ $ack == *'"stream":'* ]]
}
