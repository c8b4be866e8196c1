import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeLiveServer, pcm16Tone } from '../src/live/index.js';
import { connectSdk, eventually, startConnect } from './live-sdk-helpers.js';

/** Open TCP handles of this process, by kind. */
function tcpHandles(): { servers: number; sockets: number } {
  const resources = process.getActiveResourcesInfo();
  return {
    servers: resources.filter((kind) => kind === 'TCPServerWrap').length,
    sockets: resources.filter((kind) => kind === 'TCPSocketWrap').length,
  };
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let refused = false;
    socket.once('connect', () => socket.destroy());
    socket.once('error', (error: NodeJS.ErrnoException) => {
      refused = error.code === 'ECONNREFUSED';
    });
    socket.once('close', () => resolve(refused)); // the probe's own handle is gone by then
  });
}

describe('FakeLiveServer: shutting down', () => {
  it('close() drops every connection, fails pending waits, stops listening and leaves no handle open', async () => {
    const before = tcpHandles();
    const server = await FakeLiveServer.start();
    const live = await connectSdk(server);
    const alsoLive = await connectSdk(server);
    server.planConnection({ withholdSetupComplete: true });
    const stalled = startConnect(server);
    const conns = [
      await server.nextConnection(),
      await server.nextConnection(),
      await server.nextConnection(),
    ];
    // both waits must fail, not hang, once the server is gone
    const pendingConnection = expect(server.nextConnection({ timeoutMs: 60_000 })).rejects.toThrow(/closed/);
    const pendingFrame = expect(conns[0]!.waitFor(() => false, { timeoutMs: 60_000 })).rejects.toThrow(
      /socket closed/,
    );

    await server.close();

    await pendingConnection;
    await pendingFrame;
    for (const conn of conns) {
      expect(conn.isOpen).toBe(false);
      expect(await conn.closed).toMatchObject({ code: 1006, byClient: false });
    }
    for (const sdk of [live.sdk, alsoLive.sdk, stalled.sdk]) {
      expect(await sdk.untilClosed()).toMatchObject({ code: 1006 });
    }
    expect(await connectionRefused(server.port)).toBe(true);
    await expect(server.nextConnection()).rejects.toThrow(/closed/);
    await server.close(); // idempotent
    // client sockets finish closing a tick after their onclose: wait for it, do not sleep
    await eventually(() => tcpHandles().sockets === before.sockets, 'client sockets to be released');
    expect(tcpHandles()).toEqual(before);
  });

  it('close() on an idle server resolves, twice', async () => {
    const server = await FakeLiveServer.start();
    await Promise.all([server.close(), server.close()]);
    expect(await connectionRefused(server.port)).toBe(true);
  });
});

describe('pcm16Tone', () => {
  it('is deterministic 16-bit mono PCM of the requested length', () => {
    const chunk = pcm16Tone({ ms: 40, rate: 24_000 });
    expect(chunk.length).toBe(960 * 2);
    expect(pcm16Tone({ ms: 40, rate: 24_000 }).equals(chunk)).toBe(true);
    expect(pcm16Tone({ ms: 40, rate: 24_000, seed: 1 }).equals(chunk)).toBe(true);
    expect(pcm16Tone({ ms: 40, rate: 24_000, seed: 2 }).equals(chunk)).toBe(false);
    expect(pcm16Tone({ ms: 10, rate: 16_000 }).length).toBe(320);
    expect(pcm16Tone({ ms: 0, rate: 16_000 }).length).toBe(0);
    // not silence: real sample values, within the 16-bit range
    const samples = Array.from({ length: chunk.length / 2 }, (_, i) => chunk.readInt16LE(i * 2));
    expect(Math.max(...samples)).toBeGreaterThan(5_000);
    expect(Math.min(...samples)).toBeLessThan(-5_000);
  });

  it('rejects a negative duration or a zero rate', () => {
    expect(() => pcm16Tone({ ms: -1, rate: 16_000 })).toThrow(RangeError);
    expect(() => pcm16Tone({ ms: 10, rate: 0 })).toThrow(RangeError);
  });
});
