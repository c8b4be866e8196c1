import type { PluginError } from '@earshot/core';
import type { Content, FunctionResponse } from '@google/genai';
import type { LiveCloseInfo, LiveModelMessage } from '../connection/live-model.js';
import { type LiveTools, progressEvent, responseEvent, type ToolBatch } from '../tools/tool-batches.js';
import type { ToolBatchOutcome } from '../tools/tool-executor.js';
import type { RecordingResult } from './audio-recording.js';
import { type EventSink, PersistFailure } from './event-sink.js';

/** Everything the run reacts to, in one ordered inbox. `connection` tags socket signals. */
export type RunSignal =
  /** `receivedAt`: `RunTelemetry.now()` when it arrived (0 without telemetry). */
  | { kind: 'message'; connection: number; message: LiveModelMessage; receivedAt: number }
  | { kind: 'protocolError'; connection: number; error: Error }
  | { kind: 'closed'; connection: number; info: LiveCloseInfo }
  | { kind: 'userContent'; content: Content }
  | { kind: 'inputClosed' }
  | { kind: 'toolsDone'; batch: ToolBatch; outcome: ToolBatchOutcome }
  | { kind: 'toolProgress'; batch: ToolBatch; response: FunctionResponse }
  | { kind: 'pluginError'; error: PluginError }
  | { kind: 'recording'; result: RecordingResult }
  | { kind: 'saveHandle' }
  | { kind: 'failure'; error: unknown }
  /** A message handled as it arrived (`RunInbox.deliver`) left this for the loop. */
  | { kind: 'handled'; outcome: true | Promise<boolean> }
  | { kind: 'wake' };

/**
 * A server message in the inbox. A class, not an object literal: V8 pretenures literal sites
 * whose objects often survive a scavenge, and per-message objects then fill the old generation.
 */
export class MessageSignal {
  readonly kind = 'message' as const;
  constructor(
    readonly connection: number,
    readonly message: LiveModelMessage,
    readonly receivedAt: number,
  ) {}
}

/** How long the end of a run waits for aborted tool calls to settle (at once, unless a hook hangs). */
export const STOPPED_TOOLS_SETTLE_MS = 1_000;

export function isSetupOnly(message: LiveModelMessage): boolean {
  // Per message: a loop over the keys instead of an array of them.
  for (const key in message) if (Object.hasOwn(message, key) && key !== 'setupComplete') return false;
  return true;
}

/**
 * At the end of a run: waits (briefly) for the calls the stop aborted, and records their answers
 * (after a failed append, only yields them; an append failing here is yielded too).
 */
export async function recordStoppedCalls(run: {
  tools: LiveTools;
  inbox: SignalBuffer;
  sink: EventSink;
  invocationId: string;
  failure: unknown;
}): Promise<void> {
  const { tools, inbox, sink, invocationId, failure } = run;
  await tools.settledWithin(STOPPED_TOOLS_SETTLE_MS);
  for (const signal of takeToolOutcomes(inbox)) {
    const event =
      signal.kind === 'toolsDone'
        ? responseEvent(invocationId, signal.batch, signal.outcome)
        : progressEvent(invocationId, signal.batch, signal.response);
    if (failure instanceof PersistFailure) sink.yieldOnly(event);
    else await sink.emit(event)?.catch(() => sink.yieldOnly(event));
  }
}

/** The inbox as the end of a run uses it. */
interface SignalBuffer {
  drain(): RunSignal[];
  push(signal: RunSignal): void;
}

type ToolSignal = Extract<RunSignal, { kind: 'toolsDone' | 'toolProgress' }>;

/**
 * Takes the settled tool batches with something to record, and the streamed values not recorded
 * yet, out of the inbox, in order; other signals stay, in order.
 */
function takeToolOutcomes(inbox: SignalBuffer): ToolSignal[] {
  const outcomes: ToolSignal[] = [];
  const others: RunSignal[] = [];
  for (const signal of inbox.drain()) {
    if (signal.kind === 'toolProgress') outcomes.push(signal);
    else if (signal.kind !== 'toolsDone') others.push(signal);
    else if (signal.outcome.recorded.length > 0) outcomes.push(signal);
  }
  for (const signal of others) inbox.push(signal);
  return outcomes;
}
