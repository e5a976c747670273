# Sourced by scripts/run-samples.sh: talks to nats-server with nothing but bash and the NATS text
# protocol, as a producer in any language can (docs/protocol.md). No TypedTasks code is involved.

# nats_request PORT SUBJECT BODY [HEADER_LINE...]
# Publishes BODY (with the given "Name: value" headers) to SUBJECT on 127.0.0.1:PORT with a reply inbox,
# and prints the first reply: for a subject of a JetStream stream, the PubAck ({"stream":…,"seq":…}).
# Fails when the reply is not a PubAck (e.g. a 503 status: no stream listens) or none comes within 5 s.
nats_request() {
  local port=$1 subject=$2 body=$3 line reply="" fd inbox="_INBOX.bash.$RANDOM$RANDOM"
  shift 3
  local LC_ALL=C   # ${#var} must count bytes
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
  IFS= read -r -t 5 line <&"$fd" || { exec {fd}>&-; return 1; }   # the server's INFO line

  local headers=$'NATS/1.0\r\n' header
  for header in "$@"; do
    headers+="$header"$'\r\n'
  done
  headers+=$'\r\n'
  printf 'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1,"name":"bash"}\r\n' >&"$fd"
  printf 'SUB %s 1\r\n' "$inbox" >&"$fd"
  printf 'HPUB %s %s %d %d\r\n%s%s\r\nPING\r\n' \
    "$subject" "$inbox" "${#headers}" "$(( ${#headers} + ${#body} ))" "$headers" "$body" >&"$fd"

  while IFS= read -r -t 5 line <&"$fd"; do
    line=${line%$'\r'}
    case $line in
      "MSG $inbox "*) IFS= read -r -t 5 reply <&"$fd"; reply=${reply%$'\r'}; break ;;
      "HMSG $inbox "*) IFS= read -r -t 5 line <&"$fd"; reply="error: ${line%$'\r'}"; break ;;
      PING) printf 'PONG\r\n' >&"$fd" ;;
    esac
  done
  exec {fd}>&-
  printf '%s\n' "$reply"
  [[ $reply == *'"stream":'* ]]
}

# nats_send_task PORT SUBJECT TASK_NAME TASK_ID JSON_BODY [PROTOCOL_VERSION (default 1)] [HEADER_LINE...]
# Sends a task message: the TT-* headers of docs/protocol.md, plus any extra header lines.
nats_send_task() {
  local port=$1 subject=$2 task=$3 id=$4 body=$5 protocol=${6:-1}
  shift 5
  [ $# -gt 0 ] && shift
  nats_request "$port" "$subject" "$body" \
    "TT-Protocol: $protocol" "TT-Task: $task" "TT-Id: $id" "Nats-Msg-Id: $id" "$@"
}

# nats_kv_put PORT BUCKET KEY VALUE: puts a KV entry (a JetStream publish to $KV.<bucket>.<key>).
nats_kv_put() {
  nats_request "$1" "\$KV.$2.$3" "$4"
}
