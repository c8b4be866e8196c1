import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FakeLiveServer } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { GeminiLiveModel } from '../src/connection/gemini-live-model.js';
import type { LiveConnection, LiveModelMessage } from '../src/connection/live-model.js';
import { waitUntil } from './helpers/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A small model audio frame, numbered in its mime type. */
function audioFrame(index: number): Buffer {
  const data = Buffer.alloc(768, index).toString('base64');
  return Buffer.from(
    JSON.stringify({
      serverContent: {
        modelTurn: { parts: [{ inlineData: { mimeType: `audio/pcm;rate=${index}`, data } }] },
      },
    }),
  );
}

const rateOf = (message: LiveModelMessage) =>
  (message as { serverContent?: { modelTurn?: { parts?: { inlineData?: { mimeType?: string } }[] } } })
    .serverContent?.modelTurn?.parts?.[0]?.inlineData?.mimeType;

describe('frames that arrive between setupComplete and the SDK resolving connect()', () => {
  it('reach the listener right after setupComplete, in order, and are not kept for the connection’s life', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const FRAMES = 10;
    // In the tick that answered the setup: the client reads them in the same socket read as
    // setupComplete, before the SDK's connect() could resolve (the server is in this process).
    server.onConnection((conn) => {
      for (let i = 1; i <= FRAMES; i++) conn.sendRaw(audioFrame(i));
    });
    const messages: LiveModelMessage[] = [];
    const model = new GeminiLiveModel({
      model: 'm',
      httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
    });
    const connection: LiveConnection = await model.connect({
      config: {},
      timeoutMs: 5_000,
      listener: {
        onMessage: (message) => messages.push(message),
        onProtocolError: () => {},
        onClose: () => {},
      },
    });
    await waitUntil(() => messages.length === FRAMES + 1);
    expect(Object.keys(messages[0] as object)).toEqual(['setupComplete']);
    expect(messages.slice(1).map(rateOf)).toEqual(
      Array.from({ length: FRAMES }, (_, i) => `audio/pcm;rate=${i + 1}`),
    );
    // The listener is the only holder: once it lets go, every frame must be collectable while
    // the connection stays open (the SDK's replay queue would keep them all until it closes).
    const refs = messages.slice(1).map((message) => new WeakRef(message));
    messages.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRef targets live to the end of the job
    gc();
    expect(refs.filter((ref) => ref.deref() !== undefined).length).toBe(0);
    connection.close();
  });
});
