import { LiveConnectionError, LiveProtocolError } from '@earshot/core';
import { pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { kindOf } from './helpers/collect.js';
import { FRAME_ENCODINGS, type LiveFixture, startLive, stopLive } from './helpers/live-fixture.js';

let fixture: LiveFixture | undefined;
afterEach(async () => {
  await stopLive(fixture);
  fixture = undefined;
});

describe.each(FRAME_ENCODINGS)('connection failures through the real SDK (%s frames)', (frames) => {
  it('a refused upgrade (403) ends the run at once with LiveConnectionError', async () => {
    const started = Date.now();
    fixture = await startLive({ frames, plan: { rejectUpgradeStatus: 403 }, noConnection: true });
    const { error } = await fixture.run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect((error as Error).message).toMatch(/403/);
    expect(Date.now() - started).toBeLessThan(10_000); // not the 15 s connect timeout
    expect(fixture.run.events.map(kindOf)).toEqual(['error:LIVE_CONNECTION']);
    expect(await fixture.storedKinds()).toEqual(['error:LIVE_CONNECTION']);
  });

  it('a close before setupComplete ends the run with the close code', async () => {
    fixture = await startLive({
      frames,
      plan: { closeBeforeSetupComplete: { code: 1008, reason: 'policy: bad key' } },
      noConnection: true,
    });
    const { error } = await fixture.run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect((error as LiveConnectionError).closeCode).toBe(1008);
    expect((error as Error).message).toContain('policy: bad key');
  });

  it('a withheld setupComplete times out, and the runner closes the socket itself', async () => {
    fixture = await startLive({ frames, plan: { withholdSetupComplete: true }, connectTimeoutMs: 300 });
    const { error } = await fixture.run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect((error as Error).message).toBe('no setupComplete within 300 ms');
    expect((await fixture.conn.closed).byClient).toBe(true);
  });

  it.each([
    ['an error close (1011)', 1011],
    ['a clean server close (1000)', 1000],
  ])('%s while the queue is open is a drop: error event, LiveConnectionError', async (_name, code) => {
    fixture = await startLive({ frames });
    const { conn, run } = fixture;
    conn.sendOutputTranscription('Hello', { finished: true });
    await run.waitFor((e) => kindOf(e) === 'out:Hello');
    conn.close(code, 'server going away');
    const { error } = await run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect((error as LiveConnectionError).closeCode).toBe(code);
    expect(run.events.map(kindOf)).toEqual(['partial-out:Hello', 'out:Hello', 'error:LIVE_CONNECTION']);
    expect(await fixture.storedKinds()).toEqual(['out:Hello', 'error:LIVE_CONNECTION']);
  });

  it('an abnormal drop (terminated socket, 1006) is a drop too', async () => {
    fixture = await startLive({ frames });
    fixture.conn.terminate();
    const { error } = await fixture.run.done;
    expect(error).toBeInstanceOf(LiveConnectionError);
    expect((error as LiveConnectionError).closeCode).toBe(1006);
  });

  it.each([
    ['not JSON', 'garbage{'],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['a malformed serverContent', JSON.stringify({ serverContent: { modelTurn: { parts: 'x' } } })],
  ])(
    'a server frame that is %s: error event, LiveProtocolError, session intact, no crash',
    async (_name, raw) => {
      fixture = await startLive({ frames });
      const { conn, run } = fixture;
      conn.sendAudio(pcm16Tone({ ms: 40, rate: 24_000 }));
      conn.sendOutputTranscription('before', { finished: true });
      await run.waitFor((e) => kindOf(e) === 'out:before');
      conn.sendRaw(frames === 'binary' ? Buffer.from(raw) : raw);
      const { error } = await run.done;
      expect(error).toBeInstanceOf(LiveProtocolError);
      expect(run.events.map(kindOf)).toEqual([
        'audio',
        'partial-out:before',
        'out:before',
        'error:LIVE_PROTOCOL',
      ]);
      expect(await fixture.storedKinds()).toEqual(['out:before', 'error:LIVE_PROTOCOL']);
      expect((await conn.closed).byClient).toBe(true);
    },
  );
});
