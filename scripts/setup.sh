#!/usr/bin/env bash
# Installs what Earshot needs on a fresh Debian machine with Node 20: pnpm (pinned), the
# system packages the tests use (redis-server, sox), and the workspace's npm packages from the
# committed lockfile. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION"
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v sox >/dev/null 2>&1 || missing+=(sox)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 3
