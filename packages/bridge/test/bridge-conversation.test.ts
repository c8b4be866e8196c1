import { clientFrameIs, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { BRIDGE_PROTOCOL, type EventFrame, type HistoryFrame } from '../src/index.js';
import { type BridgeFixture, startBridge } from './helpers/bridge-fixture.js';
import { TestClient } from './helpers/test-client.js';
import { waitFor } from './helpers/wait.js';

let fixture: BridgeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const isEvent = (f: { type: string }): f is EventFrame => f.type === 'event';

describe('a conversation through the bridge', () => {
  it('sends session and history first, forwards audio and text up and events and audio down', async () => {
    const reply = [1, 2, 3].map((seed) => pcm16Tone({ ms: 40, rate: 24_000, seed }));
    fixture = await startBridge({
      model: async (conn) => {
        await conn.waitFor(clientFrameIs.clientContent);
        conn.sendInputTranscription('hello there', { finished: true });
        for (const pcm of reply) conn.sendAudio(pcm);
        conn.sendTurnComplete();
      },
    });
    const client = await TestClient.connect(fixture.url('alice'));
    const [session, history] = client.json;
    expect(session).toMatchObject({
      type: 'session',
      protocol: BRIDGE_PROTOCOL,
      userId: 'alice',
      created: true,
    });
    expect(history).toEqual({ type: 'history', events: [], truncated: false });

    const mic = [4, 5].map((seed) => pcm16Tone({ ms: 40, rate: 16_000, seed }));
    client.sendJson({ type: 'activityStart' });
    for (const pcm of mic) client.ws.send(pcm);
    client.sendJson({ type: 'activityEnd' });
    client.sendJson({ type: 'text', text: 'hi' });
    const conn = await fixture.fake.nextConnection();
    await conn.waitFor(clientFrameIs.clientContent);
    expect(conn.receivedAudio().equals(Buffer.concat(mic))).toBe(true);
    expect(conn.received[0]).toEqual({ realtimeInput: { activityStart: {} } });
    expect(conn.received.at(-1)).toEqual({
      clientContent: { turns: [{ parts: [{ text: 'hi' }], role: 'user' }], turnComplete: true },
    });

    await client.waitForJson((f) => isEvent(f) && f.event.turnComplete === true);
    expect(Buffer.concat(client.audio).equals(Buffer.concat(reply))).toBe(true);
    const transcription = client.json.find(
      (f) => isEvent(f) && f.event.partial !== true && f.event.inputTranscription?.text === 'hello there',
    );
    expect(transcription).toMatchObject({ rule: 'transcription', persisted: true });
    // No event frame carries audio bytes.
    expect(JSON.stringify(client.json)).not.toContain(reply[0]!.toString('base64').slice(0, 40));
    await client.close();
  });

  it('resumes a session: created false and the persisted history, without audio bytes', async () => {
    fixture = await startBridge({
      model: async (conn) => {
        await conn.waitFor(clientFrameIs.clientContent);
        conn.sendOutputTranscription('the answer', { finished: true });
        conn.sendTurnComplete();
      },
    });
    const first = await TestClient.connect(fixture.url('alice'));
    const { sessionId } = first.session;
    first.sendJson({ type: 'text', text: 'question' });
    await first.waitForJson((f) => isEvent(f) && f.event.turnComplete === true);
    await first.close();
    await waitFor(() => fixture!.bridge.activeRuns === 0);

    const again = await TestClient.connect(fixture.url('alice', sessionId));
    expect(again.session).toMatchObject({ sessionId, created: false, userId: 'alice' });
    const history = again.json[1] as HistoryFrame;
    expect(history.truncated).toBe(false);
    expect(
      history.events.map((e) => e.outputTranscription?.text ?? (e.turnComplete ? 'turnComplete' : '?')),
    ).toEqual(expect.arrayContaining(['the answer', 'turnComplete']));
    await again.close();
  });

  it('another user naming the same session id gets their own empty session and reads nothing', async () => {
    fixture = await startBridge({
      model: async (conn) => {
        await conn.waitFor(clientFrameIs.clientContent);
        conn.sendOutputTranscription('secret of alice', { finished: true });
        conn.sendTurnComplete();
      },
    });
    const alice = await TestClient.connect(fixture.url('alice', 'shared-id'));
    alice.sendJson({ type: 'text', text: 'tell me' });
    await alice.waitForJson((f) => isEvent(f) && f.event.turnComplete === true);
    await alice.close();
    await waitFor(() => fixture!.bridge.activeRuns === 0);

    const bob = await TestClient.connect(fixture.url('bob', 'shared-id'));
    expect(bob.session).toMatchObject({ userId: 'bob', sessionId: 'shared-id', created: true });
    expect((bob.json[1] as HistoryFrame).events).toEqual([]);
    await bob.close();
    const stored = await fixture.sessionService.getSession({
      appName: 'app',
      userId: 'alice',
      sessionId: 'shared-id',
    });
    expect(JSON.stringify(stored?.events)).toContain('secret of alice');
    const bobs = await fixture.sessionService.getSession({
      appName: 'app',
      userId: 'bob',
      sessionId: 'shared-id',
    });
    expect(JSON.stringify(bobs?.events ?? [])).not.toContain('secret');
  });

  it('answers bad frames with typed, non-fatal errors and the conversation goes on', async () => {
    fixture = await startBridge({
      model: async (conn) => {
        await conn.waitFor(clientFrameIs.clientContent);
        conn.sendOutputTranscription('still here', { finished: true });
        conn.sendTurnComplete();
      },
    });
    const client = await TestClient.connect(fixture.url('alice'));
    const bad: Array<[unknown, string]> = [
      ['{not json', 'bad_json'],
      [[1, 2], 'bad_json'],
      [{ type: 'dance' }, 'unknown_type'],
      [{ type: 'text', text: '' }, 'invalid_argument'],
      [{ type: 'text', text: 42 }, 'invalid_argument'],
      [{ type: 'image', mimeType: 'image/gif', data: 'AAAA' }, 'invalid_argument'],
      [{ type: 'image', mimeType: 'image/png', data: 'not base64!' }, 'invalid_argument'],
    ];
    for (const [frame] of bad) client.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    client.ws.send(Buffer.alloc(3)); // odd PCM16 byte count
    await client.until(() => client.json.filter((f) => f.type === 'error').length === bad.length + 1);
    const errors = client.json.filter((f) => f.type === 'error');
    expect(errors.map((e) => e.code)).toEqual([...bad.map(([, code]) => code), 'invalid_argument']);
    expect(errors.every((e) => e.fatal === false && e.message.length > 0)).toBe(true);

    client.sendJson({ type: 'text', text: 'are you there?' });
    await client.waitForJson((f) => isEvent(f) && f.event.outputTranscription?.text === 'still here');
    const conn = fixture.fake.connections[0]!;
    expect(conn.received.filter((f) => f.clientContent !== undefined)).toHaveLength(1);
    await client.close();
  });

  it('forwards an image to the runner, or answers image_refused when the runner takes no images', async () => {
    fixture = await startBridge();
    const client = await TestClient.connect(fixture.url('alice'));
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');
    client.sendJson({ type: 'image', mimeType: 'image/png', data: png });
    client.sendJson({ type: 'text', text: 'what do you see?' });
    const conn = await fixture.fake.nextConnection();
    await conn.waitFor(clientFrameIs.clientContent);
    const refused = client.json.find((f) => f.type === 'error');
    const forwarded = conn.received.find((f) => JSON.stringify(f).includes(png));
    console.log(`[image] ${refused ? 'refused by this runner (image_refused)' : 'forwarded to the model'}`);
    // Exactly one of the two: the runner either forwards image/* realtime input or refuses it.
    if (refused) {
      expect(refused).toMatchObject({ code: 'image_refused', fatal: false });
      expect(forwarded).toBeUndefined();
    } else {
      expect(forwarded).toBeDefined();
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    await client.close();
  });
});
