#!/usr/bin/env bash
# Installs what the browser test (tests/browser) and the chat page need, when missing:
#   - web/node_modules (rasa-webchat, and axe-core for the accessibility test, pinned
#     by web/package-lock.json): npm ci
#   - Debian's chromium at /usr/bin/chromium, driven by Playwright via executable_path
#     (never `playwright install`: browser downloads are not possible here).
# Idempotent: does nothing (and is fast) when both are present.
set -euo pipefail
cd "$(dirname "$0")/.."

bundle=web/node_modules/rasa-webchat/lib/index.js
axe=web/node_modules/axe-core/axe.min.js
lock_stamp=web/node_modules/.package-lock.json
if [ ! -f "$bundle" ] || [ ! -f "$axe" ] || [ web/package-lock.json -nt "$lock_stamp" ]; then
  command -v npm >/dev/null 2>&1 || {
    echo "ensure_browser: npm is missing (apt-get install -y npm)" >&2; exit 1; }
  echo "ensure_browser: installing web/node_modules (npm ci --prefix web) ..."
  # --ignore-scripts: nothing in the tree needs an install script (only the
  # macOS-only fsevents has one), and it keeps third-party code from running.
  npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
fi
for file in "$bundle" "$axe"; do
  [ -f "$file" ] || { echo "ensure_browser: $file still missing after npm ci" >&2; exit 1; }
done

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "ensure_browser: $CHROMIUM is missing; install it as root: apt-get install -y chromium" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "ensure_browser: installing Debian's chromium (apt-get) ..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >/dev/null
fi
[ -x "$CHROMIUM" ] || { echo "ensure_browser: $CHROMIUM still missing" >&2; exit 1; }
echo "ensure_browser: ok ($("$CHROMIUM" --version 2>/dev/null || echo chromium))"
