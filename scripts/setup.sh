#!/usr/bin/env bash
# Installs everything qflux needs on a fresh Debian 12 machine (idempotent; root or sudo).
#   scripts/setup.sh          build dependencies (simdjson, lz4, libwebsockets, hiredis, libpq: its header; qflux loads libpq5 at run time)
#   scripts/setup.sh --test   plus what the tests use: lz4 CLI, headless Chromium, redis-server, PostgreSQL 15
#                             (the tests start their own server; as root it runs as nobody), python-socketio, lz4 for Python
#   scripts/setup.sh --bench  plus the Python baselines of qflux-bench: Flask-SocketIO under eventlet
#                             (the original tool's server), python-socketio, orjson, redis-py,
#                             pandas + TA-Lib
set -euo pipefail

want_test=0 want_bench=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --bench) want_bench=1 ;;
    *) echo "setup: unknown option $arg (--test, --bench)" >&2; exit 64 ;;
  esac
done

packages=(libsimdjson-dev liblz4-dev libwebsockets-dev libhiredis-dev libpq-dev pkg-config lz4)
if [ $want_test = 1 ]; then
  packages+=(chromium redis-server postgresql)
fi
# qflux-bench's postgres stage starts its own server as well (and times psql \copy)
if [ $want_bench = 1 ]; then
  packages+=(postgresql)
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

if [ $want_bench = 1 ]; then
  py=$(command -v python3 || true)
  if [ -z "$py" ]; then
    echo "setup: python3 is required for the bench's Python baselines (or run qflux-bench --no-python)" >&2
    exit 1
  fi
  # The fan-out stage's baseline: QuantumFlux's stack, Flask-SocketIO run under eventlet (its best
  # mode). Pinned as a set tested together on Python 3.11: eventlet is maintenance-only, and
  # eventlet.monkey_patch() + async_mode="eventlet" + websocket transport is checked by the import
  # below and by the fan-out stage itself. simple-websocket: the threading-mode comparison.
  flask_pins=("flask-socketio==5.7.0" "python-socketio==5.18.1" "python-engineio==4.15.1" "simple-websocket==1.1.0"
              "eventlet==0.41.3" "greenlet==3.5.6" "dnspython==2.9.2" "flask>=3,<4")
  if ! "$py" -W ignore -c '
import eventlet; eventlet.monkey_patch()
import flask_socketio, socketio, engineio, simple_websocket, greenlet, dns.version
from importlib.metadata import version
assert (version("flask-socketio"), version("eventlet")) == ("5.7.0", "0.41.3")
from flask import Flask; flask_socketio.SocketIO(Flask(__name__), async_mode="eventlet")' >/dev/null 2>&1; then
    echo "setup: installing the fan-out baseline (flask-socketio 5.7.0 under eventlet 0.41.3)" >&2
    "$py" -m pip install -q --disable-pip-version-check "${flask_pins[@]}"
  fi
  # orjson: the decode stage's second baseline; redis-py: the redis stage's baseline
  if ! "$py" -c 'import orjson, redis' >/dev/null 2>&1; then
    echo "setup: installing orjson and redis-py (baselines of the bench's decode and redis stages)" >&2
    "$py" -m pip install -q --disable-pip-version-check orjson "redis>=5"
  fi
  # pandas + TA-Lib: the analysis stage's baseline (what a user runs instead of qflux indicators)
  if ! "$py" -c 'import pandas, talib, numpy' >/dev/null 2>&1; then
    echo "setup: installing pandas and TA-Lib (baseline of the bench's analysis stage)" >&2
    "$py" -m pip install -q --disable-pip-version-check "pandas>=2" "ta-lib==0.8.2" numpy
  fi
fi
