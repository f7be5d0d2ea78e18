#!/usr/bin/env bash
# Lighthouse (mobile, simulated throttling) on the demo's home, lot-with-a-tour, tour, event
# and /me pages; prints one line per page. Lighthouse is installed from npm into a directory
# outside the repo (LH_DIR, default /tmp/lighthouse); it is not a project dependency.
#   BASE=http://127.0.0.1:8131 bench/lighthouse.sh [OUT_DIR]
# Start the demo first (see docs/benchmarks.md). /me is scored logged in as the demo bidder.
set -euo pipefail
BASE="${BASE:-http://127.0.0.1:8131}"
LH_DIR="${LH_DIR:-/tmp/lighthouse}"
OUT="${1:-$(mktemp -d)}"
mkdir -p "$LH_DIR" "$OUT"
if [ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]; then
  (cd "$LH_DIR" && npm init -y >/dev/null && npm i --no-audit --no-fund lighthouse@13 >/dev/null)
fi
# the first lot with a published tour, and the demo's six-venue event
LOT=""
for id in $(seq 1 40); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/lots/$id/tour")" = 200 ]; then LOT=$id; break; fi
done
[ -n "$LOT" ] || { echo "no lot with a tour at $BASE" >&2; exit 1; }
SID=$(curl -s -i -X POST "$BASE/api/session" -H 'content-type: application/json' \
  -d '{"username":"bidder1","password":"demo-pass-2026"}' | tr -d '\r' | sed -n 's/^set-cookie: sid=\([^;]*\);.*/\1/Ip')
for page in home:/ lot:/lots/$LOT tour:/lots/$LOT/tour event:/events/1 me:/me; do
  name="${page%%:*}"; path="${page#*:}"
  extra=()
  [ "$name" = me ] && extra=(--extra-headers "{\"Cookie\":\"sid=$SID\"}")
  CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}" "$LH_DIR/node_modules/.bin/lighthouse" "$BASE$path" \
    --quiet --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
    --only-categories=performance,accessibility --output=json --output-path="$OUT/$name.json" \
    "${extra[@]}" >/dev/null 2>&1 || { echo "$name: lighthouse failed (rerun; NO_NAVSTART happens under load)"; continue; }
  node -e '
    const r = require(process.argv[1]), c = r.categories, a = (k) => r.audits[k].displayValue;
    const failed = c.accessibility.auditRefs.filter((x) => x.weight > 0 && r.audits[x.id].score !== null
      && r.audits[x.id].score < 1).map((x) => x.id);
    console.log(process.argv[2], "performance", Math.round(c.performance.score * 100),
      "accessibility", Math.round(c.accessibility.score * 100), "FCP", a("first-contentful-paint"),
      "LCP", a("largest-contentful-paint"), "TBT", a("total-blocking-time"),
      "CLS", a("cumulative-layout-shift"), "benchmarkIndex", Math.round(r.environment.benchmarkIndex),
      failed.length ? "failing: " + failed.join(",") : "");' "$OUT/$name.json" "$name"
done
echo "reports: $OUT" >&2
