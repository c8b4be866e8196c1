#!/usr/bin/env bash
# One package's first part of scripts/pack-smoke.sh (read the header there): installs its tarball
# ALONE into an empty project (other @earshot/* packages from their tarballs, through npm
# `overrides`), checks the installed set against its allowlist, loads every entry point with
# import/require (traced), and runs its README examples when they need nothing else.
# Usage: alone.sh <dir under packages/>; needs ROOT and WORK in the environment.
set -euo pipefail
source "$ROOT/scripts/pack-smoke/lib/common.sh"
dir="$1"
package_vars "$dir"
project="$WORK/projects/$dir"
mkdir -p "$project"
cd "$project"

node -e '
const fs = require("fs"), { execFileSync } = require("child_process");
const [name, dir] = process.argv.slice(1);
const overrides = {};
for (const t of fs.readdirSync(dir)) {
  const n = JSON.parse(execFileSync("tar", ["-xzOf", `${dir}/${t}`, "package/package.json"])).name;
  if (n !== name) overrides[n] = `file:${dir}/${t}`;
}
fs.writeFileSync("package.json", JSON.stringify({ name: "pack-smoke-alone", private: true, overrides }, null, 2));
' "$name" "$WORK/tarballs"

echo "== $name: installed alone ($(basename "$tarball"))"
npm_install "$tarball"
node "$WORK/lib/check-install.mjs" . "$name" "$opt_in/allowlist.txt" installed.json
# load-entries resolves bare specifiers from its own location: run a copy inside the project
mkdir -p .smoke && cp "$WORK"/lib/*.mjs .smoke/
PACK_SMOKE_BROWSER_ONLY="$(browser_only)" PACK_SMOKE_TRACE="$project/trace.txt" \
  node --import ./.smoke/trace.mjs .smoke/load-entries.mjs "$name"
[ -f "$opt_in/example-deps.txt" ] || run_examples "$project/trace.txt"
echo "== $name alone: ok ($SECONDS s)"
