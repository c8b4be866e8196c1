import { type Event, InMemorySessionService } from '@earshot/core';
import { type FakeLiveConnection, FakeLiveServer, type LiveClientFrame, pcm16Tone } from '@earshot/testing';
import { LlmAgent } from '../../src/agents/llm-agent.js';
import { GeminiLiveModel } from '../../src/connection/gemini-live-model.js';
import { LIVE_INPUT_UNCONFIRMED } from '../../src/continuity/input-continuity.js';
import { LiveRequestQueue } from '../../src/input/live-request-queue.js';
import { Runner } from '../../src/runner.js';
import { collect } from './collect.js';
import { waitUntil } from './wait.js';

export type DropKind = 'goAway' | 'terminate' | 'close1011';
const KINDS: DropKind[] = ['goAway', 'terminate', 'close1011'];

export interface DropStormResult {
  /** Input messages the caller sent, by id, in order. */
  sent: string[];
  /** Input messages the Gemini session behind the last connection holds, by id, in order. */
  delivered: string[];
  lost: number;
  duplicated: number;
  /** Sum of `unconfirmedMessages` over the LIVE_INPUT_UNCONFIRMED events, and how many there were. */
  reportedMessages: number;
  reportedAudioMs: number;
  reports: number;
  events: Event[];
  /** Final output transcriptions the run yielded, by text. */
  outputs: Map<string, number>;
  connections: number;
  /** Every unconfirmed report was not persisted. */
  storedReports: number;
  error: unknown;
}

/** The id of an input frame: its payload (each message the test sends is unique). */
export function inputIdOf(frame: LiveClientFrame): string | undefined {
  const realtime = frame.realtimeInput;
  if (realtime?.audio?.data) return `a:${realtime.audio.data}`;
  if (realtime?.video?.data) return `v:${realtime.video.data}`;
  const text = frame.clientContent?.turns?.[0]?.parts?.[0]?.text;
  return typeof text === 'string' ? `t:${text}` : undefined;
}

/**
 * One run through `drops` forced drops of every kind (goAway, a killed socket seen as 1006, a
 * 1011 close), in Vertex AI express mode (the SDK accepts `transparent` only there). Before each
 * drop the fake confirms what it received with a handle; then the user says more and the
 * connection goes away under it. Measures what the session behind the last connection holds.
 */
export async function dropStorm({
  drops,
  transparent,
}: {
  drops: number;
  transparent: boolean;
}): Promise<DropStormResult> {
  const server = await FakeLiveServer.start({ frames: 'binary' });
  try {
    server.onConnection((conn) => {
      conn.sendResumptionUpdate(`h-${conn.index}`);
      conn.sendOutputTranscription(`out-${conn.index}`, { finished: true });
    });
    const model = new GeminiLiveModel({
      model: 'gemini-live-test',
      vertexai: true,
      apiKey: 'vertex-key',
      httpOptions: { baseUrl: server.baseUrl },
    });
    const sessionService = new InMemorySessionService();
    const runner = new Runner({
      appName: 'app',
      agent: new LlmAgent({ name: 'helper', model }),
      sessionService,
      reconnect: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 },
    });
    const queue = new LiveRequestQueue();
    const run = collect(
      runner.runLive({
        userId: 'u',
        sessionId: 's',
        liveRequestQueue: queue,
        runConfig: { sessionResumption: transparent ? { transparent: true } : {} },
      }),
    );
    const sent: string[] = [];
    let seed = 0;
    const say = (count: number) => {
      for (let i = 0; i < count; i++) {
        seed += 1;
        if (seed % 10 === 0) {
          const data = Buffer.from(`frame-${seed}-`.padEnd(24, '.')).toString('base64');
          queue.sendRealtime({ data, mimeType: 'image/jpeg' });
          sent.push(`v:${data}`);
        } else if (seed % 7 === 0) {
          queue.sendContent({ parts: [{ text: `typed ${seed}` }] });
          sent.push(`t:typed ${seed}`);
        } else {
          const data = pcm16Tone({ ms: 20, rate: 16_000, seed }).toString('base64');
          queue.sendRealtime({ data, mimeType: 'audio/pcm;rate=16000' });
          sent.push(`a:${data}`);
        }
      }
    };
    const sawHandle = (handle: string) =>
      run.waitFor((e) => e.liveSessionResumptionUpdate?.newHandle === handle, `handle ${handle}`);
    const receivedAll = (conn: FakeLiveConnection, ids: string[]) =>
      waitUntil(() => ids.every((id) => conn.received.some((frame) => inputIdOf(frame) === id)), {
        what: `${ids.length} messages on connection ${conn.index}`,
      });

    let conn = await server.nextConnection();
    for (let drop = 0; drop < drops; drop++) {
      await sawHandle(`h-${conn.index}`);
      // Confirmed input: the fake received it (and so everything sent before it) before it issued the handle.
      say(2);
      await receivedAll(conn, sent.slice(-2));
      conn.sendResumptionUpdate(`h-${conn.index}-mid`);
      await sawHandle(`h-${conn.index}-mid`);
      // Unconfirmed input, racing the drop.
      say(3);
      const kind = KINDS[drop % KINDS.length] as DropKind;
      if (kind === 'goAway') {
        await receivedAll(conn, sent.slice(-3));
        conn.sendGoAway('1s');
      } else if (kind === 'terminate') {
        conn.terminate();
      } else {
        conn.close(1011, 'internal error');
      }
      conn = await server.nextConnection({ timeoutMs: 20_000 });
    }
    await sawHandle(`h-${conn.index}`);
    say(3);
    const last = conn;
    // The last words reach the last connection whatever happened before.
    const lastWords = sent.slice(-3);
    await waitUntil(() => lastWords.every((id) => last.received.some((f) => inputIdOf(f) === id)), {
      what: 'the last input on the last connection',
      timeoutMs: 20_000,
    });
    queue.close();
    await run.done;
    const delivered = server.sessionHistory(last).flatMap((f) => inputIdOf(f) ?? []);
    const counts = new Map<string, number>();
    for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
    const reports = run.events.filter((e) => e.errorCode === LIVE_INPUT_UNCONFIRMED);
    const outputs = new Map<string, number>();
    for (const event of run.events) {
      const text = event.outputTranscription?.text;
      if (text && !event.partial) outputs.set(text, (outputs.get(text) ?? 0) + 1);
    }
    const stored = (await sessionService.getSession({ appName: 'app', userId: 'u', sessionId: 's' }))?.events;
    return {
      sent,
      delivered,
      lost: sent.filter((id) => !counts.has(id)).length,
      duplicated: [...counts.values()].reduce((sum, n) => sum + n - 1, 0),
      reportedMessages: reports.reduce((sum, e) => sum + Number(e.customMetadata?.unconfirmedMessages), 0),
      reportedAudioMs: reports.reduce((sum, e) => sum + Number(e.customMetadata?.unconfirmedAudioMs), 0),
      reports: reports.length,
      events: run.events,
      outputs,
      connections: server.connections.length,
      storedReports: (stored ?? []).filter((e) => e.errorCode === LIVE_INPUT_UNCONFIRMED).length,
      error: run.error,
    };
  } finally {
    await server.close();
  }
}
