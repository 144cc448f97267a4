#!/usr/bin/env bash
# The README's main job: the live demo stream (no Chrome, no broker account needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/qflux
if "$bin" stream --help >/dev/null 2>&1; then
  echo "qflux demo: open http://127.0.0.1:3001/ in your browser (Ctrl-C to stop)" >&2
  exec "$bin" stream --demo "$@"
fi
# Until the live stream lands: decode the bundled real capture.
exec "$bin" decode Tests/FastDecodeTests/Fixtures/pocketoption-20250903_012215.perflog.jsonl
