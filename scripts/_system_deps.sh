# Sourced by scripts/test and .ci/run: Debian packages the test suite needs
# (redis-server, headless Chromium for browser tests, ffmpeg for livestream tests, Node.js
# and npm for the JS linter, poppler-utils for the PDF tests and document previews).
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v pdffonts >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${need[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${need[@]}" >&2
  else
    echo "Missing system packages: ${need[*]} (install them with your package manager)" >&2
    exit 1
  fi
fi
