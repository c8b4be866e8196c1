import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

/**
 * Shared vitest config: tests import sibling packages by name, resolved to their sources, so a
 * package's tests never depend on another package's build output (the pack-smoke step checks
 * the built `dist/` entry points separately).
 */
export function earshotVitest(extra: ViteUserConfig['test'] = {}) {
  return defineConfig({
    resolve: {
      alias: [
        {
          find: /^@earshot\/testing\/conformance$/,
          replacement: `${packagesDir}testing/src/conformance/index.ts`,
        },
        { find: /^@earshot\/([a-z0-9-]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
      ],
    },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...extra,
    },
  });
}
