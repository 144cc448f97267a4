#!/usr/bin/env bash
# The README's main job: the live demo stream (no Chrome, no broker account needed).
# Extra arguments go to `qflux stream`, e.g. scripts/demo.sh --collect-stream both --data-dir data
set -euo pipefail
cd "$(dirname "$0")/.."
echo "qflux demo: open http://127.0.0.1:3001/ in your browser (Ctrl-C to stop)" >&2
exec .build/release/qflux stream --demo "$@"
