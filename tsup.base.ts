import { defineConfig, type Options } from 'tsup';

/**
 * The one build config every package shares: ESM + CJS + .d.ts from `src/index.ts`
 * (plus any extra entry points a package exports as subpaths).
 */
export function earshotTsup(entry: Record<string, string> = { index: 'src/index.ts' }, extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...extra,
  });
}
