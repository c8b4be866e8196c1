import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../free-port.js';

export interface StartRedisServerOptions {
  /** `appendonly yes` with `appendfsync always`: every acknowledged write survives a SIGKILL. */
  appendOnly?: boolean;
  /** Data directory; kept on `stop()`. Default: a fresh temp dir, removed on `stop()`. */
  dir?: string;
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[];
  /** The binary; default `$REDIS_SERVER_BIN` or `redis-server` on the PATH. */
  bin?: string;
  /** A fixed port (e.g. one whose cluster-bus port +10000 is free too). Default: a free one. */
  port?: number;
}

export interface RedisServerHandle {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Pid of the current process (changes on `restart()`). */
  readonly pid: number;
  readonly dir: string;
  /** SIGTERM, wait for exit (SIGKILL after 10 s), remove the temp dir if we made it. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal and, for SIGKILL/SIGTERM, waits until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts a new process on the same port and dir (after `kill`), waits for PING. */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts a throwaway `redis-server` on a free 127.0.0.1 port, with no persistence unless
 * `appendOnly` is set, and waits until it answers PING. Always `stop()` it (e.g. in afterAll);
 * processes still running when Node exits are SIGKILLed as a last resort.
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServerHandle> {
  installExitHook();
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'earshot-redis-'));
  const bin = options.bin ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const args = (port: number) => [
    ...['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--daemonize', 'no'],
    ...['--save', '', '--logfile', join(dir, 'redis.log')],
    ...(options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.args ?? []),
  ];

  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 0; attempt < (options.port === undefined ? 5 : 1) && !child; attempt++) {
    port = options.port ?? (await freePort());
    child = await launch({ bin, args: args(port), port, dir });
  }
  if (!child) throw new Error(`redis-server did not start: ${logTail(dir)}`);
  let current: ChildProcess = child;
  let stopped = false;

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!isRunning(current)) return;
    const exited = waitExit(current);
    current.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited;
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current.pid ?? -1;
    },
    dir,
    kill,
    async restart() {
      if (stopped) throw new Error('redis-server was stopped');
      await kill('SIGKILL');
      // The port may linger briefly after the old process died: retry a few times.
      for (let attempt = 0; attempt < 20; attempt++) {
        const next = await launch({ bin, args: args(port), port, dir });
        if (next) {
          current = next;
          return;
        }
        await sleep(100);
      }
      throw new Error(`redis-server did not restart on port ${port}: ${logTail(dir)}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (isRunning(current)) {
        const exited = waitExit(current);
        current.kill('SIGTERM');
        const timer = setTimeout(() => current.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns and waits for PING; `undefined` if the process exited first (e.g. port taken). */
async function launch({
  bin,
  args,
  port,
  dir,
}: {
  bin: string;
  args: string[];
  port: number;
  dir: string;
}): Promise<ChildProcess | undefined> {
  const child = spawn(bin, args, { stdio: 'ignore', cwd: dir });
  live.add(child);
  const exited = waitExit(child);
  child.once('exit', () => live.delete(child));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const outcome = await Promise.race([
      ping(port).then((ok) => (ok ? 'up' : 'retry')),
      exited.then(() => 'exited' as const),
      spawnError.then((error) => error),
    ]);
    if (outcome instanceof Error) throw new Error(`cannot run ${bin}: ${outcome.message}`);
    if (outcome === 'up') return child;
    if (outcome === 'exited') return undefined;
    await sleep(50);
  }
  child.kill('SIGKILL');
  await exited;
  return undefined;
}

/** Sends an inline PING and expects `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8').split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
