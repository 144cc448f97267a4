#!/usr/bin/env bash
# The README's main job: the live demo stream (no Chrome, no broker account needed).
# Extra arguments go to `qflux stream`, e.g. scripts/demo.sh --collect-stream both --data-dir data
set -euo pipefail
cd "$(dirname "$0")/.."
exec .build/release/qflux stream --demo "$@"
