#!/usr/bin/env bash
# Sets up a fresh machine, builds Earshot and runs the example voice agent end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TURBO_TELEMETRY_DISABLED=1
pnpm exec turbo run build --filter=@earshot/voice-agent... --output-logs=errors-only
pnpm demo "$@"
