#!/usr/bin/env bash
# Release dry run: shows that each package versions independently, without touching this
# checkout. In a scratch copy of the working tree (a throwaway git repo, node_modules linked) it
# writes three changesets (@earshot/core patch, @earshot/audio patch, @earshot/session-redis
# minor), runs `changeset version`, packs every package with `pnpm pack`, and checks the
# versions in the tarballs: exactly those three changed (0.1.0 → 0.1.1, 0.1.1, 0.2.0 when they
# start at 0.1.0; in general +patch/+patch/+minor), the others kept theirs, each changed package
# got a CHANGELOG.md entry, and no workspace: range is left. It prints the version table.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/earshot-release-dry-run.XXXXXX")"
trap '[ "${DRY_RUN_KEEP:-}" = 1 ] || rm -rf "$scratch"' EXIT
before="$(git -C "$ROOT" status --porcelain 2>/dev/null || true)"

tar -C "$ROOT" --exclude=./node_modules --exclude=./.git --exclude=.turbo --exclude='*.tgz' -cf - . | tar -C "$scratch" -xf -
# The root node_modules is linked (the changeset CLI; the packages' own node_modules are copied
# as they are: symlinks, which pnpm pack needs to resolve workspace: ranges).
ln -s "$ROOT/node_modules" "$scratch/node_modules"
cd "$scratch"
# The changesets already pending in the checkout are for the next real release: the dry run
# checks the mechanism with its own three only.
find .changeset -maxdepth 1 -name '*.md' ! -name README.md -delete
git init -q && git add -A && git -c user.name=dry-run -c user.email=dry-run@localhost commit -qm 'scratch copy'

versions() { for dir in packages/*/; do node -p "const p = require('./$dir/package.json'); p.private ? '' : p.name + ' ' + p.version"; done | sed '/^$/d'; }
versions >versions.before
write_changeset() {
  printf -- '---\n"%s": %s\n---\n\nRelease dry run: a %s change of %s.\n' "$1" "$2" "$2" "$1" >".changeset/dry-run-${1#@earshot/}.md"
}
write_changeset @earshot/core patch
write_changeset @earshot/audio patch
write_changeset @earshot/session-redis minor
node_modules/.bin/changeset version >changeset.log 2>&1 || { cat changeset.log >&2; exit 1; }

mkdir tarballs
for dir in packages/*/; do
  [ "$(node -p "require('./$dir/package.json').private === true")" = true ] && continue
  (cd "$dir" && pnpm pack --pack-destination "$scratch/tarballs" >/dev/null)
done

node --input-type=module - "$scratch" <<'JS'
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const [scratch] = process.argv.slice(2);
const bump = { '@earshot/core': 'patch', '@earshot/audio': 'patch', '@earshot/session-redis': 'minor' };
const before = Object.fromEntries(readFileSync(`${scratch}/versions.before`, 'utf8').trim().split('\n').map((l) => l.split(' ')));
const next = (version, kind) => {
  const [major, minor, patch] = version.split('.').map(Number);
  return kind === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
};
const problems = [];
console.log('\nrelease dry run (changeset version + pnpm pack, in a scratch copy):');
for (const t of readdirSync(`${scratch}/tarballs`).sort()) {
  const read = (file) => execFileSync('tar', ['-xzOf', `${scratch}/tarballs/${t}`, `package/${file}`], { encoding: 'utf8' });
  const manifest = JSON.parse(read('package.json'));
  const expected = bump[manifest.name] ? next(before[manifest.name], bump[manifest.name]) : before[manifest.name];
  const changelog = read('CHANGELOG.md');
  const entry = changelog.includes(`## ${manifest.version}\n`) && changelog.includes(`Release dry run: a ${bump[manifest.name]} change`);
  const core = manifest.dependencies?.['@earshot/core'] ?? manifest.peerDependencies?.['@earshot/core'];
  console.log(`  ${manifest.name.padEnd(24)} ${before[manifest.name]} -> ${manifest.version}${core ? `  (@earshot/core ${core})` : ''}`);
  if (manifest.version !== expected) problems.push(`${manifest.name} is ${manifest.version}, expected ${expected}`);
  if (bump[manifest.name] && !entry) problems.push(`${manifest.name}: no CHANGELOG.md entry for ${manifest.version}`);
  if (JSON.stringify(manifest).includes('workspace:')) problems.push(`${manifest.name}: a workspace: range is left`);
}
const left = readdirSync(`${scratch}/.changeset`).filter((f) => f.startsWith('dry-run-'));
if (left.length > 0) problems.push(`changesets not consumed: ${left.join(', ')}`);
if (problems.length > 0) {
  console.error(`release dry run FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('  only the packages with a changeset changed version, each with its changelog entry');
JS

after="$(git -C "$ROOT" status --porcelain 2>/dev/null || true)"
[ "$before" = "$after" ] || { echo "release dry run modified the checkout" >&2; exit 1; }
