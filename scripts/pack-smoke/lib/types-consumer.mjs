// Writes, for each package named, a consumer of every entry point for a strict `tsc`: an ES
// module importing each entry offered to `import` (consumer-<package>.mts) and a CommonJS module
// requiring each offered to `require` (.cts), plus one tsconfig with `strict` and
// `skipLibCheck: false` over all of them, so every .d.ts the packages ship is checked too. One
// program for all packages: the big SDK declarations they share are checked once, not per package.
// Usage (from inside the consumer project): node types-consumer.mjs <package name>...
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { entryPoints } from './entry-points.mjs';

const require = createRequire(join(process.cwd(), 'package.json'));
const files = [];
for (const packageName of process.argv.slice(2)) {
  const manifest = JSON.parse(readFileSync(require.resolve(`${packageName}/package.json`), 'utf8'));
  const esm = [];
  const cjs = [];
  entryPoints(manifest).forEach(({ specifier, conditions }, i) => {
    if (conditions.includes('import'))
      esm.push(`import * as e${i} from '${specifier}';`, `export const esm${i}: object = e${i};`);
    if (conditions.includes('require'))
      cjs.push(`import c${i} = require('${specifier}');`, `export const cjs${i}: unknown = c${i};`);
  });
  const base = `consumer-${packageName.replace(/^@/, '').replace('/', '-')}`;
  writeFileSync(`${base}.mts`, `${esm.join('\n')}\n`);
  writeFileSync(`${base}.cts`, `${cjs.join('\n')}\n`);
  files.push(`${base}.mts`, `${base}.cts`);
}
const compilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'es2022',
  types: ['node'],
};
writeFileSync('tsconfig.json', JSON.stringify({ compilerOptions, files }, null, 2));
