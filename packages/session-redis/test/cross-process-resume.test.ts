import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LIVE_RESUMPTION_HANDLE_KEY } from '@earshot/core';
import { clientFrameIs, FakeLiveServer } from '@earshot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionService } from '../src/index.js';
import { useRedis } from './support.js';

const { fixture, client } = useRedis();
const key = { appName: 'voice', userId: 'u1', sessionId: 's1' };
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const runnerDir = fileURLToPath(new URL('../../runner/', import.meta.url));
const childScript = fileURLToPath(new URL('./cross-process-child.ts', import.meta.url));
// tsx comes with the runner's dev tools; its child tsconfig maps @earshot/core to the sources.
const tsxLoader = pathToFileURL(
  join(
    dirname(createRequire(join(runnerDir, 'package.json')).resolve('tsx/package.json')),
    'dist/loader.mjs',
  ),
).href;
const childTsconfig = join(runnerDir, 'test/fixtures/tsconfig.child.json');
const EXIT_LIMIT_MS = 40_000;

let live: FakeLiveServer;
beforeAll(async () => {
  live = await FakeLiveServer.start({ frames: 'binary' });
});
afterAll(async () => {
  await live?.close();
});

interface Child {
  process: ChildProcess;
  /** Every JSON line the child printed so far. */
  lines: Array<Record<string, unknown>>;
  /** Resolves with the last line once the child exited on its own (rejects if it hangs). */
  exited: Promise<{ code: number | null; report: Record<string, unknown> | undefined; stderr: string }>;
}

function startChild(mode: 'close' | 'hang', prefix: string): Child {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, childScript, mode, live.baseUrl, fixture.server.url, prefix],
    {
      cwd: packageDir,
      env: { ...process.env, TSX_TSCONFIG_PATH: childTsconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<Awaited<Child['exited']>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child (${mode}) did not exit within ${EXIT_LIMIT_MS} ms: ${stderr}`));
    }, EXIT_LIMIT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, report: lines.at(-1), stderr });
    });
  });
  exited.catch(() => {});
  return { process: child, lines, exited };
}

async function untilLine(child: Child, predicate: (line: Record<string, unknown>) => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!child.lines.some(predicate)) {
    if (Date.now() > deadline)
      throw new Error(`child never printed the expected line: ${JSON.stringify(child.lines)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const stored = async (prefix: string) => {
  const service = new RedisSessionService({ redis: client(), keyPrefix: prefix });
  return (await service.getSession(key)) ?? undefined;
};

describe('a live session resumed by another Node process (RedisSessionService, FakeLiveServer)', {
  timeout: 90_000,
}, () => {
  it('the second process resumes the Gemini session from the handle the first one saved', async () => {
    const prefix = `xproc-${randomUUID()}:`;
    const first = startChild('close', prefix);
    const conn1 = await live.nextConnection({ timeoutMs: 20_000 });
    expect(conn1.setup?.sessionResumption).toEqual({});
    await conn1.waitFor(clientFrameIs.audio, { timeoutMs: 20_000 });
    conn1.sendOutputTranscription('Hello', { finished: true });
    conn1.sendResumptionUpdate('handle-A');
    conn1.sendTurnComplete();
    // After the last turn boundary: saved by the run's final event when the queue closes.
    conn1.sendResumptionUpdate('handle-B');
    const one = await first.exited;
    expect(one.stderr).toBe('');
    expect(one.report).toMatchObject({ mode: 'close' });
    expect(one.report?.error).toBeUndefined();
    expect((await stored(prefix))?.state[LIVE_RESUMPTION_HANDLE_KEY]).toBe('handle-B');
    expect((await conn1.closed).byClient).toBe(true);

    const second = startChild('close', prefix);
    const conn2 = await live.nextConnection({ timeoutMs: 20_000 });
    expect(conn2.setup?.sessionResumption).toEqual({ handle: 'handle-B' });
    await conn2.waitFor(clientFrameIs.audio, { timeoutMs: 20_000 });
    conn2.sendOutputTranscription('Welcome back', { finished: true });
    conn2.sendTurnComplete();
    conn2.sendResumptionUpdate('handle-C');
    const two = await second.exited;
    expect(two.stderr).toBe('');
    expect(two.report).toMatchObject({ mode: 'close', handleAtStart: 'handle-B' });
    expect(two.report?.error).toBeUndefined();
    // Nothing of the first run is replayed to the resumed session: only the new input went.
    expect(conn2.received.every((frame) => frame.realtimeInput?.audio !== undefined)).toBe(true);

    const session = await stored(prefix);
    expect(session?.state[LIVE_RESUMPTION_HANDLE_KEY]).toBe('handle-C');
    const events = session?.events ?? [];
    expect(events.map((e) => e.outputTranscription?.text ?? (e.turnComplete ? 'turn' : 'handle'))).toEqual([
      'Hello',
      'turn',
      'handle',
      'Welcome back',
      'turn',
      'handle',
    ]);
    expect(events.map((e) => e.actions.stateDelta[LIVE_RESUMPTION_HANDLE_KEY])).toEqual([
      undefined,
      'handle-A',
      'handle-B',
      undefined,
      undefined,
      'handle-C',
    ]);
    expect(new Set(events.map((e) => e.invocationId)).size).toBe(2);
  });

  it('after the first process is killed mid-run, the next one resumes from the last saved handle', async () => {
    const prefix = `xproc-${randomUUID()}:`;
    const first = startChild('hang', prefix);
    const conn1 = await live.nextConnection({ timeoutMs: 20_000 });
    await conn1.waitFor(clientFrameIs.audio, { timeoutMs: 20_000 });
    conn1.sendResumptionUpdate('handle-A');
    conn1.sendTurnComplete();
    await untilLine(first, (line) => line.turnComplete === true);
    first.process.kill('SIGKILL');
    await first.exited;
    expect((await stored(prefix))?.state[LIVE_RESUMPTION_HANDLE_KEY]).toBe('handle-A');

    const second = startChild('close', prefix);
    const conn2 = await live.nextConnection({ timeoutMs: 20_000 });
    expect(conn2.setup?.sessionResumption).toEqual({ handle: 'handle-A' });
    conn2.sendTurnComplete();
    conn2.sendResumptionUpdate('handle-B');
    const two = await second.exited;
    expect(two.report).toMatchObject({ handleAtStart: 'handle-A' });
    expect(two.report?.error).toBeUndefined();
  });
});
