import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export interface StaticAsset {
  body: Buffer;
  type: string;
}

/** The console's built files, read once at start: `/index.html` plus everything under `/assets/`. */
export interface ConsoleAssets {
  index: Buffer;
  /** URL path (`/assets/index-abc.js`) → file. Only these paths are served: no file-system lookups per request. */
  files: ReadonlyMap<string, StaticAsset>;
}

/** Where `vite build` writes the console: `dist/console/`, next to `dist/*.js` (or above `src/server/` when run from source). */
export function defaultAssetsDir(): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(
    new URL(/[\\/]src[\\/]server[\\/]/.test(here) ? '../../dist/console/' : './console/', import.meta.url),
  );
}

export async function loadConsoleAssets(dir: string): Promise<ConsoleAssets> {
  let index: Buffer;
  try {
    index = await readFile(join(dir, 'index.html'));
  } catch {
    throw new Error(`the console is not built (${join(dir, 'index.html')} is missing): run pnpm build`);
  }
  const files = new Map<string, StaticAsset>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const urlPath = `/${relative(dir, path).split(sep).join('/')}`;
    if (urlPath === '/index.html') continue;
    files.set(urlPath, {
      body: await readFile(path),
      type: TYPES[extname(path)] ?? 'application/octet-stream',
    });
  }
  return { index, files };
}
