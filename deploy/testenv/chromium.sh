#!/usr/bin/env bash
# Headless Chromium for the end-to-end tests (driven by chromedp, ExecPath
# $PSGATE_TEST_CHROMIUM = /usr/lib/chromium/chromium, not the /usr/bin wrapper).
# Usage: chromium.sh packages|start|stop
set -euo pipefail
BIN=${PSGATE_TEST_CHROMIUM:-/usr/lib/chromium/chromium}
case "${1:-start}" in
  packages) echo "chromium chromium-driver fonts-liberation" ;;
  start)
    # Nothing to keep running: chromedp starts a browser per test. Prove it runs.
    "$BIN" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1 || "$BIN" --version
    echo "chromium: $("$BIN" --version 2>/dev/null | head -1)" ;;
  stop) : ;;
  *) echo "usage: $0 packages|start|stop" >&2; exit 2 ;;
esac
