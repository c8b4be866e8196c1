#!/usr/bin/env bash
# Pack smoke: every package under packages/* as a user gets it from npm. Run after `pnpm build`.
#
# For each package it: packs it with `pnpm pack`; checks the tarball is ready to publish
# (repository, license, engines, sideEffects, files, publishConfig with provenance, every exports
# target packed, LICENSE/README.md/CHANGELOG.md packed, no README link to an unpacked file);
# installs the tarball ALONE with npm into an empty project (other @earshot/* packages from their
# tarballs) and compares the installed package set with its allowlist; loads every entry point of
# its `exports` map with `import` and `require` where offered (tracing which installed packages
# actually execute); installs typescript, @types/node and its optional peers, loads the entries
# again and runs a strict `tsc` (skipLibCheck off) of a consumer importing and requiring every
# entry; runs each marked README example twice (re-runnable) and compares its output. It ends
# with the size table (installed alone vs own code + the packages that executed) and a release
# dry run (scripts/release-dry-run.sh: `changeset version` + `pnpm pack` in a scratch copy).
#
# HOW A PACKAGE OPTS IN (a new package, e.g. packages/bridge, needs only these files):
#   scripts/pack-smoke/<dir>/allowlist.txt   required. Every package npm may install with the
#       tarball alone, one per line (`@scope/*` allows a whole scope; `#` comments). An exact
#       name that is not installed fails too, so keep it exact. Empty for no dependencies.
#   README.md: a line `<!-- pack-smoke: NAME -->` right before a ```js block marks it as an
#       example; it is written to NAME.mjs in the project and run with node (twice).
#   scripts/pack-smoke/<dir>/NAME.out        required per marked example: its expected stdout,
#       line for line; `*` in a line matches anything (ids, timestamps, ports).
#   scripts/pack-smoke/<dir>/NAME.err        optional: expected stderr (else it must be empty).
#   scripts/pack-smoke/<dir>/example-deps.txt optional: what the examples need besides the
#       package (one name a line: @earshot/* come from their tarballs, others at the version
#       pinned in the package's or the root's devDependencies).
#   scripts/pack-smoke/<dir>/browser-only.txt optional: specifiers (e.g. @earshot/bridge/browser)
#       not loaded in Node (they are still type-checked).
# Examples get REDIS_URL (a throwaway redis-server), S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY
# and BUCKET (a real Ceph RGW, started with the workspace's @earshot/testing) and S3RVER_ENDPOINT
# (s3rver from artifact-s3's devDependencies: anonymous access) in their environment.
#
# Packages are checked two at a time; npm reuses its cache (--prefer-offline). Output of each
# package is printed when it is done. PACK_SMOKE_KEEP=1 keeps the scratch directory;
# PACK_SMOKE_UPDATE=1 writes each example's actual output over an expected file it does not
# match (then review the diff and put `*` where a line varies).
set -euo pipefail
# Run as `pnpm pack-smoke`, pnpm exports its own settings as npm_config_* variables (from the
# workspace's .npmrc and pnpm's defaults); the npm that installs the tarballs does not know them and
# warns about each on stderr, which the examples' stderr checks would catch. A user's project has
# none of them: drop them, so npm runs here as it runs for a user.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -i '^npm_config_' || true)
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/earshot-pack-smoke.XXXXXX")"
export ROOT WORK
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true # the RGW helper stops its daemons before it exits
  [ "${PACK_SMOKE_KEEP:-}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
started=$SECONDS

dirs=()
for pkg_dir in "$ROOT"/packages/*/; do
  dir="$(basename "$pkg_dir")"
  [ -f "$pkg_dir/package.json" ] || continue
  [ "$(node -p "require('$pkg_dir/package.json').private === true")" = true ] && continue
  [ -d "$pkg_dir/dist" ] || { echo "packages/$dir has no dist/: run pnpm build first" >&2; exit 1; }
  [ -f "$ROOT/scripts/pack-smoke/$dir/allowlist.txt" ] || {
    echo "packages/$dir has not opted in: add scripts/pack-smoke/$dir/allowlist.txt (see this script's header)" >&2
    exit 1
  }
  dirs+=("$dir")
done

mkdir -p "$WORK/tarballs" "$WORK/logs" "$WORK/projects" "$WORK/lib"
cp "$ROOT"/scripts/pack-smoke/lib/*.mjs "$WORK/lib/"
# The RGW for the examples starts first (~13 s): packing and the store checks run meanwhile.
node "$WORK/lib/example-rgw.mjs" "$ROOT" "$WORK/rgw.env" artifacts >"$WORK/logs/rgw.log" 2>&1 &
pids+=($!)
rgw_pid=$!
for dir in "${dirs[@]}"; do
  (cd "$ROOT/packages/$dir" && pnpm pack --pack-destination "$WORK/tarballs" >/dev/null)
done
for tarball in "$WORK"/tarballs/*.tgz; do
  dir="$(tar -xzOf "$tarball" package/package.json | node -p "JSON.parse(require('fs').readFileSync(0)).repository?.directory ?? ''")"
  node "$ROOT/scripts/pack-smoke/lib/check-tarball.mjs" "$tarball" "$dir" "$ROOT"
done

# Stores for the examples, on free loopback ports, stopped by pid on exit: the Ceph RGW started
# above (what @earshot/artifact-s3 needs: a store that enforces create-only writes), redis-server
# and s3rver (anonymous access, for the conditional-write gate example).
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/logs/redis.log" 2>&1 &
pids+=($!)
s3_port="$(free_port)"
s3rver_bin="$(cd "$ROOT/packages/artifact-s3" && node -p "require('path').join(require('path').dirname(require.resolve('s3rver/package.json')), 'bin/s3rver.js')")"
mkdir -p "$WORK/s3"
NODE_OPTIONS=--openssl-legacy-provider node "$s3rver_bin" -d "$WORK/s3" -a 127.0.0.1 -p "$s3_port" --silent \
  --no-vhost-buckets --configure-bucket artifacts >"$WORK/logs/s3rver.log" 2>&1 &
pids+=($!)
export REDIS_URL="redis://127.0.0.1:$redis_port" S3RVER_ENDPOINT="http://127.0.0.1:$s3_port" BUCKET=artifacts
node "$WORK/lib/wait-stores.mjs" "$REDIS_URL" "$S3RVER_ENDPOINT"
wait_rgw() {
  for _ in $(seq 1200); do
    [ -s "$WORK/rgw.env" ] && { set -a; source "$WORK/rgw.env"; set +a; cat "$WORK/logs/rgw.log"; return 0; }
    kill -0 "$rgw_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the Ceph RGW for the examples did not start:" >&2; cat "$WORK/logs/rgw.log" >&2; return 1
}

status=0
wait_rgw || exit 1
printf '%s\n' "${dirs[@]}" | xargs -P 2 -I{} bash -c 'bash "$ROOT/scripts/pack-smoke/alone.sh" {} >"$WORK/logs/{}.log" 2>&1 || echo {} >>"$WORK/failed"' || true
for dir in "${dirs[@]}"; do cat "$WORK/logs/$dir.log"; done
if [ -s "$WORK/failed" ]; then
  echo "pack smoke FAILED for: $(tr '\n' ' ' <"$WORK/failed")" >&2
  status=1
fi
[ "$status" = 0 ] && { bash "$ROOT/scripts/pack-smoke/together.sh" "${dirs[@]}" || status=1; }
[ "$status" = 0 ] && { node "$ROOT/scripts/pack-smoke/lib/size-report.mjs" "$WORK/projects" "${dirs[@]}" || status=1; }
[ "$status" = 0 ] && { bash "$ROOT/scripts/release-dry-run.sh" || status=1; }
echo "pack smoke: $([ "$status" = 0 ] && echo ok || echo FAILED) in $((SECONDS - started)) s"
exit "$status"
