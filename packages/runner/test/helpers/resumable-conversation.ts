import {
  type FakeLiveConnection,
  type FakeLiveServer,
  liveServerFrames as frames,
  pcm16Tone,
} from '@earshot/testing';
import type { ObservedModel } from './observed-model.js';
import { waitUntil } from './wait.js';

/** One step of the fake model's side of a conversation; faults go between steps. */
export type ConversationStep =
  | { send: object[] }
  /** The user speaks this many chunks now; the model waits until every input byte arrived. */
  | { userSpeaks: number }
  | { awaitToolResponse: string };

/** A close code sent with a close frame, a socket killed without one (1006), or a goAway. */
export type Fault = number | 'terminate' | 'goAway' | 'goAwayThenClose';

/**
 * A scripted model that survives its connections like a resumable Gemini session: it keeps its
 * place in the script across connections (a new connection continues where the old one
 * stopped, never replaying a frame), issues resumption handles, checks that every new
 * connection resumes from the latest one, and injects faults at chosen steps. At each fault the
 * user speaks while the runner is replacing the connection.
 */
export class ResumableConversation {
  readonly problems: string[] = [];
  /** Faults actually injected, in order. */
  readonly injected: Fault[] = [];
  private cursor = 0;
  private lastHandle: string | undefined;
  private readonly spoken = new Set<number>();
  private readonly done: Promise<void>;
  private finish = () => {};
  private fail: (error: unknown) => void = () => {};
  private unsubscribe = () => {};

  constructor(
    private readonly options: {
      server: FakeLiveServer;
      model: ObservedModel;
      steps: ConversationStep[];
      faults: ReadonlyMap<number, Fault>;
      /** Sends `count` input chunks through the run's queue. */
      speak: (count: number) => void;
      /** Total input bytes the test sent so far. */
      bytesSent: () => number;
    },
  ) {
    this.done = new Promise((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    this.done.catch(() => {}); // observed through finished()
  }

  start(): void {
    this.unsubscribe = this.options.server.onConnection((conn) =>
      this.play(conn).catch((error: unknown) => {
        this.fail(error);
        throw error;
      }),
    );
  }

  /** Resolves once every step was played; rejects when a step timed out. */
  finished(): Promise<void> {
    return this.done;
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Every input audio byte the server received, over all connections, in connection order. */
  receivedAudio(): Buffer {
    return Buffer.concat(this.options.server.connections.map((conn) => conn.receivedAudio()));
  }

  private async play(conn: FakeLiveConnection): Promise<void> {
    const { steps, faults } = this.options;
    if (conn.index > 0) {
      const handle = (conn.setup?.sessionResumption as { handle?: string } | undefined)?.handle;
      if (handle !== this.lastHandle) {
        this.problems.push(`connection ${conn.index} resumed from ${handle}, latest was ${this.lastHandle}`);
      }
    }
    while (this.cursor < steps.length) {
      if (!conn.isOpen) return;
      const fault = faults.get(this.cursor);
      if (fault !== undefined && this.lastHandle !== undefined && !this.spoken.has(-this.cursor - 1)) {
        this.spoken.add(-this.cursor - 1);
        await this.inject(conn, fault);
        return;
      }
      const step = steps[this.cursor] as ConversationStep;
      if ('send' in step) {
        for (const frame of step.send) {
          conn.send(frame);
          const update = (frame as { sessionResumptionUpdate?: { newHandle?: string } })
            .sessionResumptionUpdate;
          if (update?.newHandle) this.lastHandle = update.newHandle;
        }
      } else if ('userSpeaks' in step) {
        if (!this.spoken.has(this.cursor)) {
          this.spoken.add(this.cursor);
          this.options.speak(step.userSpeaks);
        }
        if (!(await this.until(() => this.receivedAudio().length >= this.options.bytesSent(), conn))) return;
      } else {
        const id = step.awaitToolResponse;
        if (!(await this.until(() => this.toolResponseArrived(id), conn))) return;
      }
      this.cursor += 1;
    }
    this.finish();
  }

  private async inject(conn: FakeLiveConnection, fault: Fault): Promise<void> {
    const { model } = this.options;
    const before = model.requests.length;
    let release = () => {};
    model.gate = new Promise((resolve) => {
      release = resolve;
    });
    this.injected.push(fault);
    if (fault === 'goAway' || fault === 'goAwayThenClose') {
      conn.sendGoAway('5s');
    } else if (fault === 'terminate') {
      // A killed socket loses what it had not delivered yet: wait until the runner read everything.
      const index = conn.index;
      await waitUntil(() => (model.delivered[index] ?? 0) >= conn.sent.length, { what: 'frames read' });
      await waitUntil(() => this.receivedAudio().length >= this.options.bytesSent(), {
        what: 'input in flight',
      });
      conn.terminate();
    } else {
      conn.close(fault, 'fault injected');
      // Input racing the close frame: it reaches the old connection or waits for the new one.
      this.options.speak(1);
    }
    await waitUntil(() => model.requests.length > before, { timeoutMs: 20_000, what: 'a reconnect attempt' });
    if (fault === 'goAwayThenClose') conn.close(1000, 'session over');
    // The runner is between connections now: this input must wait for the next one.
    this.options.speak(1);
    model.gate = undefined;
    release();
  }

  private toolResponseArrived(id: string): boolean {
    return this.options.server.connections.some((conn) =>
      conn.received.some((frame) => frame.toolResponse?.functionResponses?.some((r) => r.id === id)),
    );
  }

  /** Polls `condition` until true, or until the connection closed (false then). */
  private async until(condition: () => boolean, conn: FakeLiveConnection): Promise<boolean> {
    await waitUntil(() => condition() || !conn.isOpen, { timeoutMs: 20_000, what: 'a conversation step' });
    return condition();
  }
}

/** The fake model's side of `turns` turns: speech in, transcriptions, audio, a tool call every other turn. */
export function conversationSteps(turns: number): ConversationStep[] {
  const steps: ConversationStep[] = [];
  for (let k = 1; k <= turns; k++) {
    steps.push(
      { userSpeaks: 2 },
      { send: [frames.inputTranscription(`user ${k} `)] },
      { send: [frames.inputTranscription('asks', true)] },
      { send: [frames.audio(pcm16Tone({ ms: 20, rate: 24_000, seed: k }))] },
      { send: [frames.outputTranscription(`Answer ${k}, `)] },
    );
    if (k % 2 === 0) {
      const call = { id: `call-${k}`, name: 'lookup', args: { turn: k } };
      // A handle after the call: a session resumed from it waits for this call's answer.
      steps.push(
        { send: [{ toolCall: { functionCalls: [call] }, ...frames.resumptionUpdate(`h-${k}-call`) }] },
        { awaitToolResponse: call.id },
      );
    }
    steps.push(
      { send: [frames.audio(pcm16Tone({ ms: 20, rate: 24_000, seed: 100 + k }))] },
      { send: [frames.outputTranscription('done.')] },
      { send: [frames.turnComplete()] },
      { send: [frames.usage({ promptTokenCount: k, responseTokenCount: k, totalTokenCount: 2 * k })] },
      { send: [frames.resumptionUpdate(`h-${k}`)] },
    );
  }
  return steps;
}

/** Seeded PRNG (mulberry32): the same seed picks the same fault points on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
