#!/usr/bin/env bash
# The README's two commands. Each creates (or reuses) the local virtual environment .venv and
# installs what the project needs before it runs, so both work on a fresh machine.
#   ./dev.sh demo [options]       the main job on the embedded Campus sandbox (--help for options)
#   ./dev.sh test [pytest args]   the test suite (long soak/benchmark-sized runs are deselected)
set -euo pipefail
cd "$(dirname "$0")"
VENV="${CAMPUS_VENV:-.venv}"

ensure_env() {
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
