// Extracts the README's marked examples: a line `<!-- pack-smoke: NAME -->` right before a fenced
// code block marks it; the block is written to NAME.mjs in the current directory (run with node).
// `<!-- pack-smoke: NAME vitest -->` marks a test file: written to NAME.test.mjs (run with
// `vitest run`). Prints "NAME KIND" per example. A marker not followed by a fence is an error.
// Usage: node readme-examples.mjs <README.md>
import { readFileSync, writeFileSync } from 'node:fs';

const [readme] = process.argv.slice(2);
const lines = readFileSync(readme, 'utf8').split('\n');
const marker = /^<!--\s*pack-smoke:\s*([a-z0-9-]+)(\s+vitest)?\s*-->\s*$/;

for (let i = 0; i < lines.length; i++) {
  const match = marker.exec(lines[i]);
  if (!match) continue;
  const [, name, vitest] = match;
  let start = i + 1;
  while (start < lines.length && lines[start].trim() === '') start++;
  if (!/^```(js|mjs|javascript|ts)?\s*$/.test(lines[start] ?? '')) {
    console.error(
      `${readme}:${i + 1}: the pack-smoke marker "${name}" is not followed by a \`\`\`js code block`,
    );
    process.exit(1);
  }
  const end = lines.findIndex((line, j) => j > start && line.startsWith('```'));
  if (end < 0) {
    console.error(`${readme}:${start + 1}: unterminated code block`);
    process.exit(1);
  }
  writeFileSync(vitest ? `${name}.test.mjs` : `${name}.mjs`, `${lines.slice(start + 1, end).join('\n')}\n`);
  console.log(name, vitest ? 'vitest' : 'node');
}
