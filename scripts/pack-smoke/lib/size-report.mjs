// The size table: each package's tarball installed alone (check-install's installed.json)
// against its own code plus the dependencies it executes. A dependency "executes" when a file of
// it was loaded while the package's entry points were loaded and its README examples ran
// (trace.txt, see trace.mjs; matched by package name, since examples that need other packages
// run in the shared project). Two measures:
//  - enforced (≤ MAX_RATIO): own code + the whole installed tree of each of its OWN dependencies
//    (and required peers) that executed. A dependency or required peer it declares but never runs
//    (a types-only package, say) counts as installed, not as executed: that is what we control.
//  - for information: own code + only the packages a file was loaded from. A dependency's own
//    dependencies that it loads only on other paths (proxies, old Node versions…) are outside
//    our control; this column shows how much that is.
// Usage: node size-report.mjs <projects dir> <dir>...
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes } from './installed.mjs';

const MAX_RATIO = 1.5;
const [projectsDir, ...dirs] = process.argv.slice(2);
const sum = (list) => list.reduce((total, p) => total + p.bytes, 0);
const cell = (list, own) =>
  `${formatBytes(sum(list))} (own ${formatBytes(own.bytes)} + ${list.length - 1} packages)`;

console.log(
  '\n| package | installed alone | own code + the trees of its dependencies that execute | ratio | own code + only the packages loaded | ratio |',
);
console.log('|---|---|---|---|---|---|');
let tooBig = false;
for (const dir of dirs) {
  const project = join(projectsDir, dir);
  const installed = JSON.parse(readFileSync(join(project, 'installed.json'), 'utf8'));
  const self = Object.keys(
    JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies ?? {},
  )[0];
  const own = installed.find((p) => p.name === self);
  const tracePath = join(project, 'trace.txt');
  const traced = existsSync(tracePath) ? readFileSync(tracePath, 'utf8').split('\n') : [];
  const loaded = new Set([self, ...traced.map(packageOfPath).filter(Boolean)]);

  const trees = closure(
    installed,
    own.requires.filter((name) => loaded.has(name)),
  );
  const executedTrees = installed.filter((p) => p === own || trees.has(p.name));
  const loadedOnly = installed.filter((p) => loaded.has(p.name));
  const ratio = sum(installed) / sum(executedTrees);
  tooBig ||= ratio > MAX_RATIO;
  console.log(
    `| ${self} | ${formatBytes(sum(installed))} (${installed.length} packages) | ${cell(executedTrees, own)} | ` +
      `${ratio.toFixed(2)}× | ${cell(loadedOnly, own)} | ${(sum(installed) / sum(loadedOnly)).toFixed(2)}× |`,
  );
  const idle = own.requires.filter((name) => !loaded.has(name));
  if (idle.length > 0) console.log(`|  | declared but never loaded: ${idle.join(', ')} | | | | |`);
}
if (tooBig) {
  console.error(
    `a package installs more than ${MAX_RATIO}× its own code + the dependencies it executes (see the table)`,
  );
  process.exit(1);
}

/** Names reachable from `roots` through what each installed package requires. */
function closure(installed, roots) {
  const byName = new Map();
  for (const p of installed) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const seen = new Set();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop();
    if (seen.has(name) || !byName.has(name)) continue;
    seen.add(name);
    for (const p of byName.get(name)) stack.push(...p.requires);
  }
  return seen;
}

/** `…/node_modules/@scope/name/dist/x.js` → `@scope/name`; undefined outside node_modules. */
function packageOfPath(path) {
  const at = path.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const [first, second] = path.slice(at + '/node_modules/'.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}
