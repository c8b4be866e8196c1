import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServerHandle, startRedisServer } from '../src/index.js';

/** Index just past one complete RESP value starting at `at`, or -1 if more bytes are needed. */
function respEnd(text: string, at: number): number {
  const eol = text.indexOf('\r\n', at);
  if (eol < 0) return -1;
  const head = text[at];
  const n = Number(text.slice(at + 1, eol));
  if (head === '$') return n < 0 ? eol + 2 : text.length >= eol + 4 + n ? eol + 4 + n : -1;
  if (head !== '*') return eol + 2;
  let next = eol + 2;
  for (let i = 0; i < n && next >= 0; i++) next = respEnd(text, next);
  return next;
}

/** One raw RESP round trip: enough to check the server without a client library. */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (data) => {
      reply += data.toString();
      if (respEnd(reply, 0) === reply.length) {
        socket.destroy();
        resolve(reply);
      }
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startRedisServer', () => {
  const started: RedisServerHandle[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop()));
  });

  it('starts on a free loopback port without persistence and stops by pid', async () => {
    const server = await startRedisServer();
    started.push(server);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await send(server.port, 'PING')).toBe('+PONG\r\n');
    expect(await send(server.port, 'CONFIG GET appendonly')).toContain('no');
    expect(await send(server.port, 'CONFIG GET save')).toMatch(/save\r\n\$0\r\n/);
    const { pid, dir } = server;
    await server.stop();
    await server.stop();
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('two servers get distinct ports', async () => {
    const [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
    started.push(a, b);
    expect(a.port).not.toBe(b.port);
  });

  it('appendOnly keeps acknowledged writes across SIGKILL + restart on the same port', async () => {
    const server = await startRedisServer({ appendOnly: true });
    started.push(server);
    expect(await send(server.port, 'CONFIG GET appendfsync')).toContain('always');
    expect(await send(server.port, 'SET k survived')).toBe('+OK\r\n');
    const oldPid = server.pid;
    await server.kill('SIGKILL');
    expect(alive(oldPid)).toBe(false);
    await server.restart();
    expect(server.pid).not.toBe(oldPid);
    expect(await send(server.port, 'GET k')).toBe('$8\r\nsurvived\r\n');
  });
});
