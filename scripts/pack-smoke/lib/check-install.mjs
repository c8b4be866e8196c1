// Compares what `npm install <tarball>` put into an empty project with the package's allowlist:
// a package npm installed that the list does not allow fails (a dependency or required peer the
// package does not execute); so does an exact name on the list that was not installed (a stale
// list). `@scope/*` entries allow any package of that scope and may match nothing.
// Usage: node check-install.mjs <project dir> <package name> <allowlist file> <out json>
import { writeFileSync } from 'node:fs';
import { allowedBy, formatBytes, listInstalled, readAllowlist } from './installed.mjs';

const [projectDir, packageName, allowlistFile, outFile] = process.argv.slice(2);
const allowlist = readAllowlist(allowlistFile);
const installed = listInstalled(projectDir);
const names = new Set(installed.map((p) => p.name));

const problems = [];
if (!names.has(packageName)) problems.push(`${packageName} itself is not installed`);
for (const p of installed) {
  if (p.name !== packageName && !allowedBy(allowlist, p.name)) {
    problems.push(`not on the allowlist: ${p.name}@${p.version} (${formatBytes(p.bytes)})`);
  }
}
for (const entry of allowlist) {
  if (!entry.endsWith('/*') && !names.has(entry))
    problems.push(`on the allowlist but not installed: ${entry}`);
}
writeFileSync(outFile, JSON.stringify(installed, null, 2));

const total = installed.reduce((sum, p) => sum + p.bytes, 0);
if (problems.length > 0) {
  console.error(
    `${packageName}: the installed set does not match ${allowlistFile}:\n  ${problems.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(`installed alone: ${installed.length} packages, ${formatBytes(total)}, all on the allowlist`);
