// Loads every entry point a package's `exports` map offers, with `import` and with `require`
// as offered, from a consumer project (the current directory). An entry may fail only
//  - for want of one of the package's optional peers (npm does not install those; the smoke
//    loads the entry again once they are installed, with --with-peers, where it must work), or
//  - on `require`, with an error whose message starts with "<specifier> is ESM-only": the
//    package's own clear refusal for an ESM-only subpath.
// Usage (from a copy inside the consumer project): node load-entries.mjs <package name> [--with-peers]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { entryPoints } from './entry-points.mjs';

const [packageName, mode] = process.argv.slice(2);
const withPeers = mode === '--with-peers';
const consumer = join(process.cwd(), 'package.json');
const require = createRequire(consumer);
const manifest = JSON.parse(readFileSync(require.resolve(`${packageName}/package.json`), 'utf8'));
const optionalPeers = Object.keys(manifest.peerDependenciesMeta ?? {}).filter(
  (name) => manifest.peerDependenciesMeta[name]?.optional,
);

// Entries listed in the package's browser-only.txt are for browsers and are not loaded in Node.
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the smoke script, not a turbo task
const browserOnly = (process.env.PACK_SMOKE_BROWSER_ONLY ?? '').split(/\s+/).filter(Boolean);

let failed = false;
for (const { specifier, conditions } of entryPoints(manifest)) {
  if (browserOnly.includes(specifier)) {
    console.log(`-       ${specifier.padEnd(36)} browser-only (browser-only.txt): not loaded in Node`);
    continue;
  }
  for (const condition of conditions) {
    const outcome = await load(specifier, condition);
    console.log(`${condition.padEnd(7)} ${specifier.padEnd(36)} ${outcome.text}`);
    failed ||= !outcome.ok;
  }
}
if (failed) process.exit(1);

async function load(specifier, condition) {
  try {
    // A bare import() resolves from this file: the smoke copies it into the consumer project.
    const loaded = condition === 'import' ? await import(specifier) : require(specifier);
    const names = Object.keys(loaded).filter((k) => k !== 'default' && k !== 'module.exports');
    if (names.length === 0) return { ok: false, text: 'FAILED: loads but exports nothing' };
    return { ok: true, text: `ok (${names.length} exports)` };
  } catch (error) {
    return classify(specifier, condition, error);
  }
}

function classify(specifier, condition, error) {
  const message = String(error?.message ?? error);
  if (condition === 'require' && message.startsWith(`${specifier} is ESM-only`)) {
    return { ok: true, text: `refused, as declared: "${message.slice(0, 90)}…"` };
  }
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  const missingPackage = missing?.startsWith('@')
    ? missing.split('/').slice(0, 2).join('/')
    : missing?.split('/')[0];
  if (!withPeers && missingPackage && optionalPeers.includes(missingPackage)) {
    return { ok: true, text: `needs the optional peer ${missingPackage} (loaded again below with it)` };
  }
  return { ok: false, text: `FAILED: ${message.split('\n')[0]}` };
}
