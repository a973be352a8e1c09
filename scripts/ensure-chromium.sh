#!/usr/bin/env bash
# The browser tests drive the machine's own Chromium (Debian's package) through playwright-core; no test
# tool ever downloads a browser. This installs it with apt when it is missing and CHROMIUM_PATH names no
# other one. Run as root (CI containers are), or with sudo.
set -euo pipefail
if [[ -n "${CHROMIUM_PATH:-}" ]]; then
  if [[ -x "$CHROMIUM_PATH" ]]; then exit 0; fi
  echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
  exit 1
fi
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
sudo=""
if [[ "$(id -u)" != "0" ]]; then sudo="sudo"; fi
echo "Installing Debian's chromium with apt (the browser tests need it)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
