#!/usr/bin/env bash
# The README's two commands. Each creates (or reuses) the local virtual environment .venv and
# installs what the project needs before it runs, so both work on a fresh machine.
#   ./dev.sh demo [options]       the main job on the embedded Campus sandbox (--help for options)
#   ./dev.sh test [pytest args]   the test suite (long soak/benchmark-sized runs are deselected)
set -euo pipefail
cd "$(dirname "$0")"
VENV="${CAMPUS_VENV:-.venv}"

# System packages: OpenSSH's server, which serves the Otus export over SFTP on 127.0.0.1 to
# Airbyte's SFTP Bulk source in the demo and the tests (otus_export/file_source.py). Installed with
# apt-get where we are root on Debian; policy-rc.d keeps the package from starting the system's
# own sshd service.
ensure_system_packages() {
  if [ -x /usr/sbin/sshd ] && command -v ssh-keygen > /dev/null; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
    echo "OpenSSH's server is missing: install openssh-server (Debian/Ubuntu: apt-get install openssh-server)." >&2
    return 0
  fi
  echo "Installing openssh-server (first run only)..." >&2
  local policy=/usr/sbin/policy-rc.d created=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 0755 "$policy" && created=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client > /dev/null
  if [ -n "$created" ]; then
    rm -f "$policy"
  fi
}

ensure_env() {
  ensure_system_packages
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.install-stamp" want
  want="$(cat setup.py | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing Campus Passback and its dependencies into $VENV (first run only)..." >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev,demo]"
    echo "$want" > "$stamp"
  fi
  export PATH="$PWD/$VENV/bin:$PATH"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  demo) ensure_env; exec "$VENV/bin/python" -m campus_demo "$@" ;;
  test) ensure_env; exec "$VENV/bin/python" -m pytest "$@" ;;
  *) echo "usage: ./dev.sh demo [options] | ./dev.sh test [pytest args]" >&2; exit 2 ;;
esac
