import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clientFrameIs, FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));
const childTsconfig = fileURLToPath(new URL('./fixtures/tsconfig.child.json', import.meta.url));
const EXIT_LIMIT_MS = 25_000;

interface ChildResult {
  code: number | null;
  report: { scenario: string; kinds: string[]; error?: string } | undefined;
  stderr: string;
}

/** Starts the child on one scenario; resolves when it exits on its own, fails the test if it does not. */
function runChild(scenario: string, baseUrl: string): Promise<ChildResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, scenario, baseUrl], {
    cwd: packageDir,
    env: { ...process.env, TSX_TSCONFIG_PATH: childTsconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `child "${scenario}" did not exit on its own within ${EXIT_LIMIT_MS} ms: ${stdout} ${stderr}`,
        ),
      );
    }, EXIT_LIMIT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1);
      resolve({ code, report: line ? JSON.parse(line) : undefined, stderr });
    });
  });
}

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a Node process running a live run exits on its own', { timeout: 60_000 }, () => {
  it('after the caller closes the queue', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const child = runChild('close', server.baseUrl);
    const conn = await server.nextConnection({ timeoutMs: 20_000 });
    await conn.waitFor(clientFrameIs.audio, { timeoutMs: 20_000 });
    conn.sendAudio(pcm16Tone({ ms: 40, rate: 24_000 }));
    conn.sendTurnComplete();
    const result = await child;
    expect(result.stderr).toBe('');
    expect(result.report).toEqual({ scenario: 'close', kinds: ['audio', 'turnComplete'] });
    expect(result.code).toBe(0);
    expect((await conn.closed).byClient).toBe(true);
  });

  it('after a run that reconnected (no backoff timer or old socket left behind)', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const child = runChild('reconnect', server.baseUrl);
    const first = await server.nextConnection({ timeoutMs: 20_000 });
    first.sendResumptionUpdate('h1');
    await first.waitFor(clientFrameIs.audio, { timeoutMs: 20_000 });
    first.terminate();
    const second = await server.nextConnection({ timeoutMs: 20_000 });
    expect(second.setup?.sessionResumption).toEqual({ handle: 'h1' });
    second.sendTurnComplete();
    const result = await child;
    expect(result.stderr).toBe('');
    expect(result.report).toEqual({ scenario: 'reconnect', kinds: ['resumption', 'turnComplete'] });
    expect(result.code).toBe(0);
    expect((await second.closed).byClient).toBe(true);
  });

  it('after the caller breaks out of the loop', async () => {
    server = await FakeLiveServer.start();
    const child = runChild('break', server.baseUrl);
    const conn = await server.nextConnection({ timeoutMs: 20_000 });
    conn.sendAudio(pcm16Tone({ ms: 40, rate: 24_000 }));
    const result = await child;
    expect(result.report).toEqual({ scenario: 'break', kinds: ['audio'] });
    expect(result.code).toBe(0);
    expect((await conn.closed).byClient).toBe(true);
  });

  it('after breaking out while a tool that never settles is running', async () => {
    server = await FakeLiveServer.start();
    const child = runChild('tool-break', server.baseUrl);
    const conn = await server.nextConnection({ timeoutMs: 20_000 });
    conn.sendToolCall([{ id: 'c1', name: 'hang', args: {} }]);
    const result = await child;
    expect(result.report).toEqual({ scenario: 'tool-break', kinds: ['call'] });
    expect(result.code).toBe(0);
  });

  it('after the server drops the connection', async () => {
    server = await FakeLiveServer.start();
    const child = runChild('drop', server.baseUrl);
    const conn = await server.nextConnection({ timeoutMs: 20_000 });
    conn.terminate();
    const result = await child;
    expect(result.report).toEqual({
      scenario: 'drop',
      kinds: ['LIVE_CONNECTION'],
      error: 'LiveConnectionError',
    });
    expect(result.code).toBe(0);
  });

  it('after a connect that never gets setupComplete', async () => {
    server = await FakeLiveServer.start();
    server.planConnection({ withholdSetupComplete: true });
    const result = await runChild('connect-timeout', server.baseUrl);
    expect(result.report).toEqual({
      scenario: 'connect-timeout',
      kinds: ['LIVE_CONNECTION'],
      error: 'LiveConnectionError',
    });
    expect(result.code).toBe(0);
  });

  it('after a refused upgrade', async () => {
    server = await FakeLiveServer.start();
    server.planConnection({ rejectUpgradeStatus: 403 });
    const result = await runChild('refused', server.baseUrl);
    expect(result.report?.error).toBe('LiveConnectionError');
    expect(result.code).toBe(0);
  });
});
