import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The browser console: `src/console/` → `dist/console/` (served by `serve` from there). */
export default defineConfig({
  root: fileURLToPath(new URL('./src/console/', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('./dist/console/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
