import type { Socket } from 'node:net';
import { pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type BridgeFixture, startBridge } from './helpers/bridge-fixture.js';
import { echoModel, say } from './helpers/echo-model.js';
import { MiB, retainedBytes } from './helpers/memory.js';
import { TestClient } from './helpers/test-client.js';

let fixture: BridgeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const socketOf = (client: TestClient) => (client.ws as unknown as { _socket: Socket })._socket;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('backpressure toward a client that does not read', () => {
  it('drops the oldest model audio and keeps server memory bounded; the conversation goes on', async () => {
    fixture = await startBridge({ model: echoModel, limits: { pingIntervalMs: 600_000 } });
    const client = await TestClient.connect(fixture.url('slow'));
    await say(client, 'hello');
    const conn = fixture.fake.connections[0]!;
    socketOf(client).pause(); // reads nothing from now on
    const chunk = pcm16Tone({ ms: 40, rate: 24_000, seed: 3 }); // 1 920 bytes
    conn.sent.length = 0;
    const before = await retainedBytes();
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    let seq = 0;
    const samples: number[] = [];
    // 40 MB of model audio (~17 minutes of speech) toward a socket nobody reads.
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 546; i++) {
        chunk.writeUInt32LE(seq++, 0); // numbered, to check what was dropped
        conn.sendAudio(chunk);
      }
      sent += 546 * chunk.length;
      conn.sent.length = 0; // the fake keeps a copy of every frame: not the bridge's memory
      await pause(25);
      if (batch % 10 === 9) samples.push((await retainedBytes()) - before);
    }
    await pause(300);
    const after = (await retainedBytes()) - before;
    samples.push(after);
    console.log(
      `[backpressure] sent ${(sent / MiB).toFixed(1)} MiB of model audio to a paused client; ` +
        `retained growth samples (MiB): ${samples.map((b) => (b / MiB).toFixed(2)).join(', ')}; ` +
        `rss ${(rssBefore / MiB).toFixed(0)} -> ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB`,
    );
    // Bounded: outbox (1 MiB) + write window + socket buffers, not the 40 MB sent.
    expect(after).toBeLessThan(6 * MiB);
    expect(after - samples[0]!).toBeLessThan(1.5 * MiB); // flat, not a slow leak
    expect(client.ws.readyState).toBe(WebSocket.OPEN);

    socketOf(client).resume();
    await say(client, 'still there?');
    expect(client.audioBytes()).toBeLessThan(sent); // old audio was dropped, not queued forever
    expect(client.audioBytes()).toBeGreaterThan(0);
    // Order kept, the newest chunk kept, what is missing is older audio that waited (drop oldest first).
    const received = client.audio.filter((c) => c.length === chunk.length).map((c) => c.readUInt32LE(0));
    expect(received.every((n, i) => i === 0 || n > received[i - 1]!)).toBe(true);
    expect(received.at(-1)).toBe(seq - 1);
    const gaps = received.filter((n, i) => i > 0 && n !== received[i - 1]! + 1).length;
    expect(gaps).toBeGreaterThan(0);
    // What was dropped is older audio: the newest chunks arrived as one unbroken run (at least what
    // half the default 1 MiB outbox holds), so the listener resumes at the live edge.
    let tail = 1;
    while (tail < received.length && received.at(-tail - 1) === received.at(-tail)! - 1) tail++;
    expect(tail * chunk.length).toBeGreaterThan(512 * 1024);
    console.log(
      `[backpressure] received ${received.length} of ${seq} chunks, ${gaps} gap(s), the newest ${tail} unbroken`,
    );
    await client.close();
  });

  it('closes 4003 when JSON frames still do not fit after dropping audio; others go on', async () => {
    fixture = await startBridge({
      model: echoModel,
      limits: { pingIntervalMs: 600_000, maxBufferedBytes: 64 * 1024 },
    });
    const bystander = await TestClient.connect(fixture.url('carol'));
    await say(bystander, 'hi');
    const client = await TestClient.connect(fixture.url('slow'));
    await say(client, 'hello');
    const conn = fixture.fake.connections[1]!;
    socketOf(client).pause();
    const text = 'x'.repeat(2_000);
    for (let i = 0; i < 20_000 && client.ws.readyState === WebSocket.OPEN; i++) {
      conn.sendOutputTranscription(text);
      if (i % 200 === 199) await pause(5);
      if (fixture.reported.some((r) => /reads too slowly/.test(r.error.message))) break;
    }
    socketOf(client).resume();
    const closed = await client.closed;
    expect(closed.code).toBe(4003);
    expect(closed.reason).toMatch(/reads too slowly/);
    await say(bystander, 'after');
  });
});
