# Sourced by scripts/serve and scripts/test: make sure .venv exists and matches pyproject.toml.
# Creates it on first use; reinstalls only when pyproject.toml changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY_BOOT="${PYTHON:-}"
if [ -z "$PY_BOOT" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY_BOOT="$cand"; break
    fi
  done
fi
[ -n "$PY_BOOT" ] || { echo "Python 3.11+ is required" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating virtual environment in $VENV" >&2
  "$PY_BOOT" -m venv "$VENV"
fi
STAMP="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  echo "Installing the portal and its dependencies into $VENV" >&2
  if ! { "$VENV/bin/python" -m pip install -q --upgrade pip &&
         "$VENV/bin/python" -m pip install -q -e "$ROOT[test,dev]"; } >"$VENV/install.log" 2>&1; then
    tail -n 40 "$VENV/install.log" >&2
    echo "Installing into $VENV failed; full log: $VENV/install.log" >&2
    exit 1
  fi
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
