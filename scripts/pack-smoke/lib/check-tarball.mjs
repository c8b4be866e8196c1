// Checks a packed tarball as the registry would get it: the publishing metadata of its
// package.json (the packed one: workspace: ranges already replaced), the files it must hold
// (every exports target, LICENSE, README.md, CHANGELOG.md), and that its README links no file
// the tarball does not contain (a relative link must resolve inside the package), and that its
// declaration files import only node builtins, itself and packages it declares (dependencies or
// peers: an undeclared one would break a TypeScript consumer that installed it alone).
// Usage: node check-tarball.mjs <tarball> <workspace dir of the package, relative to the repo> <repo root>
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, normalize } from 'node:path';

const [tarball, packageDir, root] = process.argv.slice(2);
const files = new Set(
  execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, '')),
);
const read = (path) => execFileSync('tar', ['-xzOf', tarball, `package/${path}`], { encoding: 'utf8' });
const manifest = JSON.parse(read('package.json'));
const rootRepository = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).repository;
const problems = [];
const need = (ok, what) => ok || problems.push(what);

need(typeof manifest.description === 'string' && manifest.description.length > 0, 'description');
need(typeof manifest.license === 'string', 'license');
need(manifest.repository?.type === 'git', 'repository.type "git"');
need(
  manifest.repository?.url === rootRepository?.url,
  `repository.url equal to the root's (${rootRepository?.url})`,
);
need(manifest.repository?.directory === packageDir, `repository.directory "${packageDir}"`);
need(typeof manifest.homepage === 'string', 'homepage');
need(typeof manifest.bugs?.url === 'string', 'bugs.url');
need(typeof manifest.engines?.node === 'string', 'engines.node');
need(manifest.sideEffects !== undefined, 'sideEffects');
need(Array.isArray(manifest.files), 'files');
need(manifest.publishConfig?.access === 'public', 'publishConfig.access "public"');
need(manifest.publishConfig?.provenance === true, 'publishConfig.provenance true');
need(manifest.exports?.['./package.json'] === './package.json', 'exports["./package.json"]');
for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
  for (const [name, range] of Object.entries(manifest[field] ?? {})) {
    need(!String(range).startsWith('workspace:'), `${field}.${name} is still "${range}"`);
  }
}

const targets = [manifest.main, manifest.module, manifest.types, ...leaves(manifest.exports)].filter(Boolean);
for (const target of new Set(targets))
  need(files.has(normalize(target)), `packed file ${target} (named in package.json)`);
for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md']) need(files.has(file), `packed file ${file}`);

if (files.has('README.md')) {
  for (const [, target] of read('README.md').matchAll(/\]\(([^)\s]+)[^)]*\)/g)) {
    if (/^(https?:|mailto:|#)/.test(target)) continue;
    const path = normalize(target.split('#')[0]).replace(/\/$/, '');
    const packed = files.has(path) || [...files].some((f) => f.startsWith(`${path}/`));
    need(packed && !path.startsWith('..'), `README link to "${target}", which is not in the tarball`);
  }
}

const declared = new Set([
  manifest.name,
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.peerDependencies ?? {}),
]);
for (const file of [...files].filter((f) => /\.d\.[cm]?ts$/.test(f))) {
  const text = read(file)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, ''); // not the examples in comments
  for (const [, specifier] of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)) {
    if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier))
      continue;
    const pkg = specifier.startsWith('@')
      ? specifier.split('/').slice(0, 2).join('/')
      : specifier.split('/')[0];
    const typesPkg = `@types/${pkg.replace(/^@/, '').replace('/', '__')}`;
    need(
      declared.has(pkg) || declared.has(typesPkg),
      `${file} imports "${specifier}", which package.json does not declare`,
    );
  }
}

if (problems.length > 0) {
  console.error(
    `${manifest.name}: the tarball is not ready to publish; missing or wrong:\n  ${problems.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(
  `${manifest.name}@${manifest.version}: metadata, packed files and README links ok (${files.size} files)`,
);

function leaves(value) {
  if (typeof value === 'string') return [value];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => (key === './package.json' ? [] : leaves(v)));
}
