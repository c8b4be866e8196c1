import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AppendEventRequest,
  type CreateSessionRequest,
  createRunConfig,
  type Event,
  type GetSessionRequest,
  type ListSessionsRequest,
  type PageRequest,
  type SessionKey,
  type SessionService,
  shouldPersist,
} from '@earshot/core';
import {
  GeminiLiveModel,
  LiveRequestQueue,
  LlmAgent,
  Runner,
  type RunnerOptions,
  STORAGE_DEGRADED,
  STORAGE_RECOVERED,
} from '@earshot/runner';
import type { FakeLiveServer } from '@earshot/testing';
import { expect } from 'vitest';

/**
 * Passes every call through to the real service and records which appends it acknowledged:
 * what "an acknowledged event" means in the outage tests. An observer, not a mock.
 */
export class AckRecorder implements SessionService {
  readonly acked = new Map<string, string[]>();
  constructor(private readonly inner: SessionService) {}
  createSession(request: CreateSessionRequest) {
    return this.inner.createSession(request);
  }
  getSession(request: GetSessionRequest) {
    return this.inner.getSession(request);
  }
  listSessions(request: ListSessionsRequest, page?: PageRequest) {
    return this.inner.listSessions(request, page);
  }
  deleteSession(request: SessionKey) {
    return this.inner.deleteSession(request);
  }
  async appendEvent(request: AppendEventRequest): Promise<Event> {
    const event = await this.inner.appendEvent(request);
    const list = this.acked.get(request.session.userId) ?? [];
    list.push(event.id);
    this.acked.set(request.session.userId, list);
    return event;
  }
}

export interface StreamResult {
  userId: string;
  events: Event[];
  error: unknown;
}

/**
 * `count` live runs (user `u0` … of app `appName`, session `s`) through FakeLiveServer with the
 * real SDK. The fake model streams a final output transcription and a turnComplete every
 * `turnMs` on each connection until `stop()`; then the queues close and the runs end.
 */
export function startStreams(options: {
  live: FakeLiveServer;
  appName: string;
  sessionService: SessionService;
  count: number;
  turnMs?: number;
  runner?: Partial<RunnerOptions>;
}) {
  const { live, appName, sessionService, count } = options;
  let streaming = true;
  const detach = live.onConnection(async (conn) => {
    for (let n = 1; streaming && conn.isOpen; n++) {
      conn.sendOutputTranscription(`turn ${n}`, { finished: true });
      conn.sendTurnComplete();
      await sleep(options.turnMs ?? 100);
    }
  });
  const model = new GeminiLiveModel({
    model: 'gemini-live-test',
    apiKey: 'test-key',
    httpOptions: { baseUrl: live.baseUrl, apiVersion: 'v1beta' },
  });
  const agent = new LlmAgent({ name: 'helper', model });
  const runner = new Runner({ appName, agent, sessionService, ...options.runner });
  const queues: LiveRequestQueue[] = [];
  const runs = Array.from({ length: count }, async (_, i): Promise<StreamResult> => {
    const queue = new LiveRequestQueue();
    queues.push(queue);
    const userId = `u${i}`;
    const events: Event[] = [];
    try {
      for await (const event of runner.runLive({ userId, sessionId: 's', liveRequestQueue: queue })) {
        events.push(event);
      }
      return { userId, events, error: undefined };
    } catch (error) {
      return { userId, events, error };
    }
  });
  return {
    /** Turn completions yielded so far, over all runs (progress). */
    async stop(): Promise<StreamResult[]> {
      streaming = false;
      detach();
      for (const queue of queues) queue.close();
      return Promise.all(runs);
    },
  };
}

const runConfig = createRunConfig();

/** The events of a run the runner appends (the policy's choice; the storage notices are only yielded). */
export function persistedOf(events: Event[]): Event[] {
  return events.filter(
    (e) =>
      e.errorCode !== STORAGE_DEGRADED && e.errorCode !== STORAGE_RECOVERED && shouldPersist(e, runConfig),
  );
}

export function noticesOf(events: Event[]): string[] {
  return events.flatMap((e) =>
    e.errorCode === STORAGE_DEGRADED || e.errorCode === STORAGE_RECOVERED ? [e.errorCode] : [],
  );
}

/** Longest `outageMs` any run reported in its STORAGE_RECOVERED notice. */
export function longestOutageMs(results: StreamResult[]): number {
  let longest = 0;
  for (const { events } of results) {
    for (const e of events) {
      if (e.errorCode === STORAGE_RECOVERED)
        longest = Math.max(longest, Number(e.customMetadata?.outageMs ?? 0));
    }
  }
  return longest;
}

/**
 * The outage tests' common verdict: no run ended, every event a run kept is stored exactly
 * once, in the order it was yielded. Returns how many acknowledged appends are missing.
 */
export async function checkStored(
  service: SessionService,
  appName: string,
  results: StreamResult[],
  recorder: AckRecorder,
): Promise<number> {
  let lost = 0;
  for (const { userId, events, error } of results) {
    expect(error, userId).toBeUndefined();
    const stored = (await service.getSession({ appName, userId, sessionId: 's' }))?.events ?? [];
    expect(
      stored.map((e) => e.id),
      userId,
    ).toEqual(persistedOf(events).map((e) => e.id));
    const storedIds = new Set(stored.map((e) => e.id));
    lost += recorder.acked.get(userId)?.filter((id) => !storedIds.has(id)).length ?? 0;
  }
  return lost;
}
