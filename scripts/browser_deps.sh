#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/browser), installed only when missing.
# Playwright drives this browser; nothing ever downloads one of its own.
# Idempotent: does nothing when /usr/bin/chromium is there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser_deps: /usr/bin/chromium is missing and apt-get is not available;" \
    "install Chromium yourself (the browser tests skip without it, and fail when CI=true)" >&2
  exit 0
fi

run=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run=(sudo -n)
  else
    echo "browser_deps: /usr/bin/chromium is missing; as root run:" \
      "apt-get update && apt-get install -y chromium" >&2
    exit 0
  fi
fi

echo "browser_deps: installing Debian's chromium"
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update
"${run[@]}" apt-get install -y chromium
test -x /usr/bin/chromium
