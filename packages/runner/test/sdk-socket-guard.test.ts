import { FakeLiveServer } from '@earshot/testing';
import { GoogleGenAI, type LiveServerMessage } from '@google/genai';
import { afterEach, describe, expect, it } from 'vitest';
import { installSocketGuard, parseFrame } from '../src/connection/sdk-socket-guard.js';
import { waitUntil } from './helpers/wait.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('parseFrame', () => {
  it('parses JSON objects from strings, Buffers and ArrayBuffers', () => {
    const text = '{"setupComplete":{}}';
    expect(parseFrame(text)).toEqual({ setupComplete: {} });
    expect(parseFrame(Buffer.from(text))).toEqual({ setupComplete: {} });
    const bytes = new TextEncoder().encode(text);
    expect(parseFrame(bytes.buffer)).toEqual({ setupComplete: {} });
    expect(parseFrame(new Uint8Array(bytes))).toEqual({ setupComplete: {} });
  });

  it('describes what would make the SDK throw', () => {
    expect(parseFrame('garbage')).toBe('server frame is not JSON: "garbage"');
    expect(parseFrame('[1]')).toBe('server frame is not a JSON object: "[1]"');
    expect(parseFrame('null')).toBe('server frame is not a JSON object: "null"');
    expect(parseFrame('"x"')).toBe('server frame is not a JSON object: "\\"x\\""');
  });

  it('leaves what it cannot read synchronously to the SDK', () => {
    expect(parseFrame(new Blob(['{}']))).toBeUndefined();
  });
});

describe('installSocketGuard', () => {
  it('is idempotent and leaves other sessions on the same client untouched', async () => {
    server = await FakeLiveServer.start();
    const client = new GoogleGenAI({
      apiKey: 'k',
      httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
    });
    expect(installSocketGuard(client)).toBe(true);
    const factory = Reflect.get(client.live, 'webSocketFactory');
    expect(installSocketGuard(client)).toBe(true);
    expect(Reflect.get(client.live, 'webSocketFactory')).toBe(factory);
    const received: LiveServerMessage[] = [];
    const session = await client.live.connect({
      model: 'm',
      callbacks: { onmessage: (message) => received.push(message) },
    });
    const conn = await server.nextConnection();
    conn.sendTurnComplete();
    await waitUntil(() => received.length === 2);
    expect(received.map((m) => Object.keys(m))).toEqual([['setupComplete'], ['serverContent']]);
    session.close();
    await conn.closed;
  });
});
