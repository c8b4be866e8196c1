#!/usr/bin/env bash
# Installs what Earshot needs on a fresh Debian machine with Node 20: pnpm (pinned), the
# system packages the tests use (see below), and the workspace's npm packages from the
# committed lockfile. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION"
fi

# Debian packages the tests drive for real: redis-server (single node and a 6-node cluster), sox
# (checks every WAV), chromium (the bridge client and the console in a real browser, through
# playwright-core: no browser download), espeak-ng (speech for the fake microphone) and Ceph's
# RADOS Gateway (a real S3 store on loopback).
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v sox >/dev/null 2>&1 || missing+=(sox)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v ceph-mon >/dev/null 2>&1 || missing+=(ceph-mon)
command -v ceph-osd >/dev/null 2>&1 || missing+=(ceph-osd)
command -v radosgw >/dev/null 2>&1 || missing+=(radosgw)
command -v ceph >/dev/null 2>&1 || missing+=(ceph-common)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 3
