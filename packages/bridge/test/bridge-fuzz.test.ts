import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type BridgeFixture, startBridge } from './helpers/bridge-fixture.js';
import { echoModel, say } from './helpers/echo-model.js';
import { FuzzRandom, fuzzFrame } from './helpers/fuzz-frames.js';
import { MiB, retainedBytes } from './helpers/memory.js';
import { rawUpgrade } from './helpers/raw-upgrade.js';
import { TestClient } from './helpers/test-client.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

let fixture: BridgeFixture | undefined;
afterAll(async () => fixture?.stop());

const tally = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fuzz', () => {
  it('thousands of random frames: 0 crashes, 0 unhandled rejections, memory bounded', async () => {
    fixture = await startBridge({
      model: echoModel,
      limits: { messagesPerSecond: 1_000_000, messageBurst: 1_000_000, bytesPerSecond: 1_000_000_000 },
    });
    const random = new FuzzRandom(20_261_201);
    const kinds = new Map<string, number>();
    const closes = new Map<string, number>();
    const errorCodes = new Map<string, number>();
    let sent = 0;
    const before = await retainedBytes();

    // 1. Random frames on well-behaved sockets: the bridge answers every bad one and stays up.
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        let client = await TestClient.connect(fixture!.url(`fuzz-${worker}`));
        for (let i = 0; i < 1_500; i++) {
          if (client.ws.readyState !== WebSocket.OPEN) {
            tally(closes, String((await client.closed).code));
            client = await TestClient.connect(fixture!.url(`fuzz-${worker}`));
          }
          const frame = fuzzFrame(random);
          tally(kinds, frame.kind);
          // Some frames go in fragments, as browsers and proxies may send them.
          if (random.int(8) === 0 && frame.data.length > 1) {
            const bytes = Buffer.from(frame.data);
            const cut = random.int(bytes.length - 1) + 1;
            client.ws.send(bytes.subarray(0, cut), { binary: frame.binary, fin: false });
            client.ws.send(bytes.subarray(cut), { binary: frame.binary, fin: true });
          } else client.ws.send(frame.data, { binary: frame.binary });
          sent++;
          if (i % 50 === 49) await pause(5);
        }
        await pause(200);
        for (const f of client.json) if (f.type === 'error') tally(errorCodes, f.code);
        await client.close();
      }),
    );

    // 2. Floods at the default rate limits, invalid UTF-8, and raw garbage after the handshake.
    await fixture.stop();
    fixture = await startBridge({ model: echoModel });
    await Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        const client = await TestClient.connect(fixture!.url(`flood-${worker}`));
        for (let i = 0; i < 400 && client.ws.readyState === WebSocket.OPEN; i++) {
          client.ws.send(fuzzFrame(random).data);
          sent++;
        }
        tally(closes, String((await client.closed).code));
      }),
    );
    for (let i = 0; i < 20; i++) {
      const client = await TestClient.connect(fixture.url(`utf8-${i}`));
      client.ws.send(
        Buffer.concat([Buffer.from('{"type":"text","text":"'), random.bytes(8), Buffer.from([0xc3])]),
        {
          binary: false,
        },
      );
      sent++;
      tally(closes, String((await client.closed).code));
    }
    for (let i = 0; i < 40; i++) {
      const socket = await rawUpgrade(fixture.port, `/live?token=tok-raw-${i}`);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      for (let j = 0; j < 5; j++) socket.write(random.bytes(random.int(200) + 1));
      sent += 5;
      setTimeout(() => socket.destroy(), 3_000).unref();
      await closed;
      tally(closes, 'raw');
    }

    // The process and a fresh conversation are fine.
    const healthy = await TestClient.connect(fixture.url('healthy'));
    await say(healthy, 'after the storm');
    await healthy.close();
    await pause(200);
    const growth = (await retainedBytes()) - before;
    console.log(
      `[fuzz] ${sent} frames; kinds ${JSON.stringify(Object.fromEntries(kinds))}; ` +
        `error frames ${JSON.stringify(Object.fromEntries(errorCodes))}; closes ${JSON.stringify(Object.fromEntries(closes))}; ` +
        `unhandled ${unhandled.length}; retained growth ${(growth / MiB).toFixed(2)} MiB`,
    );
    expect(sent).toBeGreaterThan(12_000);
    expect(unhandled).toEqual([]);
    expect(errorCodes.get('bad_json') ?? 0).toBeGreaterThan(0);
    expect(errorCodes.get('invalid_argument') ?? 0).toBeGreaterThan(0);
    expect(closes.get('4002') ?? 0).toBeGreaterThan(0);
    expect(closes.get('1007')).toBe(20);
    expect(growth).toBeLessThan(16 * MiB);
  }, 120_000);
});
