import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/index.js';

const run = promisify(execFile);

describe('the offline demo', () => {
  it('runs a two-turn conversation and writes WAV files that sox reads', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'earshot-demo-'));
    const lines: string[] = [];
    try {
      const result = await runDemo({ outDir, turns: 2, fakeReplyMs: 400, log: (l) => lines.push(l) });
      expect(result.persisted).toBeGreaterThan(10);
      const names = result.recordings.map((f) => f.replace(/.*_/, '').replace(/-\d+\.wav$/, ''));
      expect(names.sort()).toEqual(['input', 'input', 'mixdown', 'output', 'output']);
      for (const file of result.recordings) {
        expect((await readFile(file)).subarray(0, 4).toString()).toBe('RIFF');
        const { stdout } = await run('sox', ['--i', file]);
        expect(stdout).toMatch(/Sample Encoding: 16-bit Signed Integer PCM/);
      }
      const said = lines.filter((l) => /clock_agent .*✓ "/.test(l));
      expect(said.map((l) => /✓ "([^"]*)"/.exec(l)?.[1])).toEqual([
        expect.stringMatching(/^It is \d\d:\d\d:\d\d UTC\. \(turn 1\)$/),
        expect.stringMatching(/^It is \d\d:\d\d:\d\d UTC\. \(turn 2\)$/),
      ]);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
