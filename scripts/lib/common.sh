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

# The dashboard's browser tests (tests/Dashboard.Tests) drive Debian's headless Chromium (/usr/bin/chromium) with
# Playwright; nothing downloads a browser.
ensure_chromium() {
  ensure_commands chromium:chromium
}

# newer_nats_server DIR
# Debian 12's nats-server is 2.9.10, the oldest we support; Debian's development suite (unstable) carries a current
# one, which has what 2.9 lacks (native scheduled delivery, 2.12+). Fetches that package from the Debian mirror this
# machine's apt already uses, unpacks only its binary into DIR (nothing is installed), checks it is 2.12 or later,
# and prints the binary's path. A binary already in DIR is reused.
newer_nats_server() {
  local dir="$1" bin="$1/nats-server"
  if [ ! -x "$bin" ]; then
    local mirror keyring
    mirror=$(sed -n 's/^URIs: *\([^ ]*debian\/*\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    if [ -z "$mirror" ] || [ ! -f "$keyring" ]; then
      echo "error: no Debian mirror in /etc/apt/sources.list(.d) or no $keyring: cannot fetch a newer nats-server." >&2
      return 1
    fi

    local work
    work=$(mktemp -d)
    mkdir -p "$work/parts" "$work/lists/partial" "$work/archives/partial"
    printf 'Types: deb\nURIs: %s\nSuites: unstable\nComponents: main\nSigned-By: %s\n' "$mirror" "$keyring" >"$work/parts/unstable.sources"
    local apt=(apt-get -qq -o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$work/parts"
      -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::archives=$work/archives" -o "APT::Sandbox::User=$(id -un)")
    echo "Fetching nats-server from Debian unstable (unpacked under $dir, not installed)" >&2
    if ! "${apt[@]}" update >/dev/null || ! (cd "$work" && "${apt[@]}" download nats-server/unstable >/dev/null) \
       || ! dpkg-deb -x "$work"/nats-server_*.deb "$work/root"; then
      echo "error: could not fetch nats-server from Debian unstable ($mirror)." >&2
      rm -rf "$work"
      return 1
    fi

    mkdir -p "$dir"
    install -m 0755 "$work/root/usr/sbin/nats-server" "$bin"
    rm -rf "$work"
  fi

  local version
  version=$("$bin" --version 2>&1 | sed -n 's/.*v\([0-9][0-9.]*\).*/\1/p')
  local major=${version%%.*} rest=${version#*.}
  local minor=${rest%%.*}
  if [ -z "$version" ] || [ "$major" -lt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -lt 12 ]; }; then
    echo "error: $bin is nats-server '${version:-?}'; the newer-server tests need 2.12 or later." >&2
    return 1
  fi
  echo "$bin"
}
