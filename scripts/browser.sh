#!/usr/bin/env bash
# Make sure Debian's Chromium and its chromedriver (and CJK fonts, for screenshots a person can
# read) are installed: the browser tests drive them. Used by scripts/test.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi
command -v apt-get >/dev/null 2>&1 || { echo "Chromium is required for the browser tests" >&2; exit 1; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing Chromium and chromedriver for the browser tests…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
