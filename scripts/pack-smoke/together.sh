#!/usr/bin/env bash
# The second part of scripts/pack-smoke.sh (read the header there): one project with every
# tarball, typescript, @types/node, every package's optional peers and what its examples need
# (one npm install instead of one per package). Per package: every entry point loads with its
# optional peers present, a consumer importing and requiring every entry passes a strict tsc
# (skipLibCheck off), and the README examples that need other packages run.
# (That each package's .d.ts files import only what the package declares is checked per tarball
# by check-tarball.mjs, so sharing this project hides no missing declaration.)
# Usage: together.sh <dir>...; needs ROOT and WORK in the environment.
set -euo pipefail
source "$ROOT/scripts/pack-smoke/lib/common.sh"
project="$WORK/projects/_together"
mkdir -p "$project/.smoke"
cp "$WORK"/lib/*.mjs "$project/.smoke/"
cd "$project"

node -e '
const fs = require("fs"), { execFileSync } = require("child_process");
const [root, tarballs, ...dirs] = process.argv.slice(1);
const rootPkg = require(`${root}/package.json`);
const deps = { typescript: rootPkg.devDependencies.typescript, "@types/node": rootPkg.devDependencies["@types/node"] };
const overrides = {};
for (const t of fs.readdirSync(tarballs)) {
  const n = JSON.parse(execFileSync("tar", ["-xzOf", `${tarballs}/${t}`, "package/package.json"])).name;
  deps[n] = overrides[n] = `file:${tarballs}/${t}`;
}
for (const dir of dirs) {
  const pkg = require(`${root}/packages/${dir}/package.json`);
  // pinned versions: the package'"'"'s devDependencies/dependencies, else the root'"'"'s, else the peer range
  const pin = (n) => pkg.devDependencies?.[n] ?? pkg.dependencies?.[n] ?? rootPkg.devDependencies?.[n] ?? pkg.peerDependencies?.[n];
  const names = Object.entries(pkg.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n);
  const depsFile = `${root}/scripts/pack-smoke/${dir}/example-deps.txt`;
  if (fs.existsSync(depsFile)) {
    names.push(...fs.readFileSync(depsFile, "utf8").split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean));
  }
  for (const n of names) if (!n.startsWith("@earshot/")) deps[n] ??= pin(n);
}
fs.writeFileSync("package.json", JSON.stringify({ name: "pack-smoke-together", private: true, dependencies: deps, overrides }, null, 2));
' "$ROOT" "$WORK/tarballs" "$@"
echo "== every tarball together, with typescript, optional peers and example dependencies"
npm_install
echo "installed ($SECONDS s): $(node -p "Object.entries(require('./package.json').dependencies).filter(([n]) => !n.startsWith('@earshot/')).map(([n, v]) => n + '@' + v).join(' ')")"

# One strict tsc over a consumer of every package (in the background, while the examples run).
names=()
for dir in "$@"; do package_vars "$dir"; names+=("$name"); done
mkdir -p types && (cd types && node ../.smoke/types-consumer.mjs "${names[@]}")
(cd types && ../node_modules/.bin/tsc -p tsconfig.json >../tsc.log 2>&1) &
tsc_pid=$!

for dir in "$@"; do
  package_vars "$dir"
  echo "== $name with its optional peers"
  PACK_SMOKE_BROWSER_ONLY="$(browser_only)" node .smoke/load-entries.mjs "$name" --with-peers
  if [ -f "$opt_in/example-deps.txt" ]; then
    mkdir -p "examples-$dir" && (cd "examples-$dir" && run_examples "$WORK/projects/$dir/trace.txt")
  fi
done
if wait "$tsc_pid"; then
  echo "strict tsc (skipLibCheck off) of consumers importing and requiring every entry point of: ${names[*]}: ok"
else
  echo "strict tsc of the consumers failed (types/consumer-<package>.mts/.cts import/require one package each):" >&2
  cat tsc.log >&2
  exit 1
fi
echo "== together: ok ($SECONDS s)"
