#!/usr/bin/env bash
# Installs everything qflux needs on a fresh Debian 12 machine (idempotent; root or sudo).
#   scripts/setup.sh          build dependencies (simdjson, lz4, libwebsockets, hiredis)
#   scripts/setup.sh --test   plus what the tests use: lz4 CLI, headless Chromium, redis-server, python-socketio, lz4 for Python
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=(libsimdjson-dev liblz4-dev libwebsockets-dev libhiredis-dev pkg-config lz4)
if [ $want_test = 1 ]; then
  packages+=(chromium redis-server)
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
  # requests: python-socketio's synchronous Client polls with it (the long-polling tests)
  if ! "$py" -c 'import requests' >/dev/null 2>&1; then
    "$py" -m pip install -q --disable-pip-version-check requests
  fi
  # redis-py: the baseline of qflux-bench's redis stage
  if ! "$py" -c 'import redis' >/dev/null 2>&1; then
    echo "setup: installing redis-py (baseline of the bench's redis stage)" >&2
    "$py" -m pip install -q --disable-pip-version-check "redis>=5"
  fi
  # TA-Lib oracle for the analysis tests: pinned, qflux reproduces TA-Lib C 0.8.1 (= ta-lib 0.8.2) bit for bit
  if ! "$py" -c 'import talib, numpy; assert talib.__version__ == "0.8.2"' >/dev/null 2>&1; then
    echo "setup: installing the TA-Lib test oracle (ta-lib 0.8.2, numpy)" >&2
    "$py" -m pip install -q --disable-pip-version-check "ta-lib==0.8.2" numpy
  fi
fi
