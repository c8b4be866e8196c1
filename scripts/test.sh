#!/usr/bin/env bash
# Sets up a fresh machine and runs every check CI runs: build, lint, typecheck, all tests
# (real redis-server, s3rver and the real @google/genai SDK against FakeLiveServer on
# loopback), and the pack smoke test of the published entry points.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TURBO_TELEMETRY_DISABLED=1 FORCE_COLOR=0 NO_COLOR=1

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

pnpm build
pnpm lint
pnpm typecheck
pnpm test 2>&1 | tee "$log"
pnpm pack-smoke

# One closing line for the whole run, summed over every package's vitest summary.
passed=$(sed -nE 's/.*Tests +([0-9]+) passed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -nE 's/.*Tests +([0-9]+) failed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
echo "${passed} passed, ${failed} failed"
