import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcDir = join(import.meta.dirname, '..', 'src');
const sources = readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(srcDir, f), 'utf8') }));

describe('@earshot/core dependencies (DESIGN.md: core uses only @google/genai types)', () => {
  it('imports @google/genai only as types', () => {
    const valueImports = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/^(import|export)\s+(?!type\b)[^;]*?from\s+'@google\/genai'/gms)].map(() => file),
    );
    expect(valueImports).toEqual([]);
  });

  it('imports nothing but node built-ins and @google/genai types', () => {
    const modules = new Set(
      sources.flatMap(({ text }) => [...text.matchAll(/from\s+'([^'.][^']*)'/g)].map((m) => m[1])),
    );
    expect([...modules].filter((m) => !m?.startsWith('node:') && m !== '@google/genai')).toEqual([]);
  });
});
