# Sourced by scripts/test: make sure node_modules matches package-lock.json (the JS linter).
# Runs `npm ci` on first use; again only when package-lock.json changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v npm >/dev/null 2>&1 || { echo "npm is required (Node.js 18+)" >&2; exit 1; }
NODE_STAMP="$ROOT/node_modules/.installed-$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)"
if [ ! -f "$NODE_STAMP" ]; then
  echo "Installing the JS tools from package-lock.json into $ROOT/node_modules" >&2
  NODE_LOG="$(mktemp)"
  if ! (cd "$ROOT" && npm ci --no-audit --no-fund) >"$NODE_LOG" 2>&1; then
    tail -n 40 "$NODE_LOG" >&2
    echo "npm ci failed; full log: $NODE_LOG" >&2
    exit 1
  fi
  rm -f "$NODE_LOG"
  touch "$NODE_STAMP"  # npm ci empties node_modules first, so older stamps are gone
fi
