// Preloaded with `node --import` when PACK_SMOKE_TRACE names a file: appends the path of every
// module file the process loads (ES modules through a loader hook, CommonJS from require.cache at
// exit), so the smoke can tell which installed packages a package actually executes.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the smoke script, not a turbo task
const file = process.env.PACK_SMOKE_TRACE;
if (file) {
  register('./trace-hooks.mjs', import.meta.url, { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const paths = Object.keys(cache);
    if (paths.length > 0) appendFileSync(file, `${paths.join('\n')}\n`);
  });
}
