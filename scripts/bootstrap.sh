#!/usr/bin/env bash
# Create .venv and install the locked dependencies (hash-checked). Re-runs only when the lock
# file changed. Sourced by scripts/serve and scripts/test.
set -euo pipefail
cd "$(dirname "$0")/.."

LOCK=requirements/dev.lock.txt
STAMP=.venv/.lock-sha256

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if ! PY=$(find_python); then
  echo "Python 3.11 not found; installing it from Debian's packages…" >&2
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3.11 python3.11-venv >/dev/null
    PY=$(find_python) || { echo "Python 3.11 is required." >&2; exit 1; }
  else
    echo "Python 3.11 is required (and apt-get is not available to install it)." >&2; exit 1
  fi
fi

want=$(sha256sum "$LOCK" | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "Installing dependencies from $LOCK into .venv …"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$LOCK"
  echo "$want" > "$STAMP"
fi
