#!/usr/bin/env bash
# Installs everything qflux needs on a fresh Debian 12 machine (idempotent; root or sudo).
#   scripts/setup.sh          build dependencies (simdjson, lz4, libwebsockets)
#   scripts/setup.sh --test   plus what the tests use: lz4 CLI, headless Chromium, python-socketio, lz4 for Python
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=(libsimdjson-dev liblz4-dev libwebsockets-dev pkg-config lz4)
if [ $want_test = 1 ]; then
  packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: Swift 6.1 or newer is required (swift not found on PATH)" >&2
  exit 1
fi

if [ $want_test = 1 ]; then
  py=$(command -v python3 || true)
  if [ -z "$py" ]; then
    echo "setup: python3 is required for the tests" >&2
    exit 1
  fi
  if ! "$py" -c 'import socketio, aiohttp, websocket, lz4.frame' >/dev/null 2>&1; then
    echo "setup: installing python test clients (python-socketio, aiohttp, websocket-client, lz4)" >&2
    "$py" -m pip install -q --disable-pip-version-check "python-socketio[asyncio_client]>=5,<6" aiohttp websocket-client lz4 orjson
  fi
fi
