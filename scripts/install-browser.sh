#!/bin/sh
# Installs Debian's headless-capable Chromium and its matching ChromeDriver for the browser tests
# (ConsoleBrowserIT). Idempotent and quiet: does nothing when both binaries are already present.
# Needs root (or sudo) and access to the Debian package mirror; never downloads a browser from elsewhere.
set -eu

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "install-browser: chromium/chromedriver missing and not root; install them with: apt-get install chromium chromium-driver" >&2
        exit 1
    fi
fi

echo "install-browser: installing chromium and chromium-driver (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
LOG=$(mktemp)
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver; } >"$LOG" 2>&1; then
    cat "$LOG" >&2
    rm -f "$LOG"
    exit 1
fi
rm -f "$LOG"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]
echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed"
