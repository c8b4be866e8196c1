// The packages npm installed into a consumer project, with their on-disk size (the sum of their
// files' sizes, nested node_modules excluded).
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every package under `projectDir/node_modules`, nested ones included:
 * [{name, version, dir, bytes, requires}], `requires` being what npm installs for it
 * (dependencies, optionalDependencies and peers not marked optional).
 */
export function listInstalled(projectDir) {
  const found = [];
  walkNodeModules(join(projectDir, 'node_modules'), found);
  return found;
}

function walkNodeModules(nodeModules, found) {
  for (const entry of safeReaddir(nodeModules)) {
    if (entry.startsWith('.')) continue; // .bin, .package-lock.json
    const path = join(nodeModules, entry);
    if (entry.startsWith('@')) {
      for (const scoped of safeReaddir(path)) addPackage(join(path, scoped), found);
    } else {
      addPackage(path, found);
    }
  }
}

function addPackage(dir, found) {
  if (!lstatSync(dir).isDirectory()) return;
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const optionalPeer = (name) => manifest.peerDependenciesMeta?.[name]?.optional === true;
  const requires = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((name) => !optionalPeer(name)),
  ];
  found.push({ name: manifest.name, version: manifest.version, dir, bytes: sizeOf(dir, true), requires });
  walkNodeModules(join(dir, 'node_modules'), found);
}

function sizeOf(path, isPackageRoot = false) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) {
    if (isPackageRoot && entry === 'node_modules') continue;
    total += sizeOf(join(path, entry));
  }
  return total;
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** `allowlist.txt`: one package name or `@scope/*` per line; `#` starts a comment. */
export function readAllowlist(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

export function allowedBy(patterns, name) {
  return patterns.some((p) => (p.endsWith('/*') ? name.startsWith(p.slice(0, -1)) : p === name));
}

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}
