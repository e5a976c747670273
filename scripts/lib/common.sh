# Shared by scripts/*.sh (sourced, not run): installs what the scripts need on a bare Debian machine.

# Debian puts nats-server in /usr/sbin, which is not on every user's PATH.
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/sbin" ;; esac

# ensure_commands COMMAND:PACKAGE...
# Installs, with one apt-get run, the Debian packages of the commands that are not on PATH.
# Runs apt-get as root, or through sudo when the script runs as another user.
ensure_commands() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0

  echo "Installing with apt-get: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "error: missing ${missing[*]}, and this user can neither apt-get (not root) nor sudo." >&2
      echo "       Install them (apt-get install -y ${missing[*]}) or put them on PATH, then run this again." >&2
      return 1
    fi
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null \
    && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "error: apt-get install ${missing[*]} failed." >&2; return 1; }

  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 \
      || { echo "error: ${pair%%:*} is still not on PATH after installing ${pair#*:}." >&2; return 1; }
  done
}

# Installs Debian's nats-server (2.9.10 on Debian 12) when it is not on PATH.
ensure_nats_server() {
  ensure_commands nats-server:nats-server
}
