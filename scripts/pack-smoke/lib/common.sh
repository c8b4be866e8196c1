# Shared by alone.sh and together.sh (sourced). Needs ROOT and WORK in the environment.

npm_install() { npm install --no-audit --no-fund --prefer-offline --loglevel=error "$@" >/dev/null; }

# package_vars DIR: sets pkg_root, opt_in, name, tarball for packages/DIR.
package_vars() {
  pkg_root="$ROOT/packages/$1"
  opt_in="$ROOT/scripts/pack-smoke/$1"
  name="$(node -p "require('$pkg_root/package.json').name")"
  local version
  version="$(node -p "require('$pkg_root/package.json').version")"
  tarball="$WORK/tarballs/$(echo "${name#@}" | tr / -)-$version.tgz" # pnpm pack's file name
}

# run_examples TRACE_FILE: runs the README's marked examples of the current package (see
# package_vars) in the current directory, twice each (every example must be re-runnable against
# the same stores), and compares stdout (stderr) with NAME.out (NAME.err; without it stderr must
# be empty). `<!-- pack-smoke: NAME -->` marks a node script, `<!-- pack-smoke: NAME vitest -->`
# a vitest test file.
run_examples() {
  local trace="$1" examples example kind run command
  examples="$(node "$ROOT/scripts/pack-smoke/lib/readme-examples.mjs" "$pkg_root/README.md")"
  [ -n "$examples" ] || return 0
  while read -r example kind; do
    [ -f "$opt_in/$example.out" ] || [ "${PACK_SMOKE_UPDATE:-}" = 1 ] ||
      { echo "no expected output $opt_in/$example.out for README example $example" >&2; return 1; }
    if [ "$kind" = vitest ]; then command=(npx --no-install vitest run "$example.test.mjs"); else command=(node "$example.mjs"); fi
    for run in 1 2; do
      PACK_SMOKE_TRACE="$trace" NODE_OPTIONS="--import $WORK/lib/trace.mjs" NO_COLOR=1 \
        timeout 120 "${command[@]}" </dev/null >"$example.stdout" 2>"$example.stderr" || {
        echo "README example $example (run $run) failed:" >&2; cat "$example.stdout" "$example.stderr" >&2; return 1; }
      if [ "${PACK_SMOKE_UPDATE:-}" = 1 ] && [ "$run" = 1 ]; then # write what differs, keep what matches
        node "$WORK/lib/match-output.mjs" "$opt_in/$example.out" "$example.stdout" - 2>/dev/null ||
          cp "$example.stdout" "$opt_in/$example.out"
        [ ! -s "$example.stderr" ] || node "$WORK/lib/match-output.mjs" "$opt_in/$example.err" "$example.stderr" - 2>/dev/null ||
          cp "$example.stderr" "$opt_in/$example.err"
      fi
      node "$WORK/lib/match-output.mjs" "$opt_in/$example.out" "$example.stdout" "$name README example $example, run $run (stdout)" || return 1
      if [ -f "$opt_in/$example.err" ]; then
        node "$WORK/lib/match-output.mjs" "$opt_in/$example.err" "$example.stderr" "$name README example $example, run $run (stderr)" || return 1
      elif [ -s "$example.stderr" ]; then
        echo "$name README example $example (run $run) wrote to stderr:" >&2; cat "$example.stderr" >&2; return 1
      fi
    done
    echo "README example $example ($kind): output as expected, twice"
  done <<<"$examples"
}

browser_only() {
  [ -f "$opt_in/browser-only.txt" ] && grep -v '^#' "$opt_in/browser-only.txt" || true
}
