import { performance } from 'node:perf_hooks';
import type { Event } from '@earshot/core';
import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { PcmSeconds } from './audio-seconds.js';
import { TELEMETRY_NAMES } from './names.js';
import type { RunnerInstruments } from './runner-telemetry.js';

const A = TELEMETRY_NAMES.attributes;

/** Why a model connection was opened. */
export type ConnectionReason = 'start' | 'reconnect' | 'transfer';
/** How a function call ended, as its span and duration metric record it. */
export type ToolOutcome = 'ok' | 'error' | 'blocked' | 'cancelled' | 'timeout';

export interface ConnectionTraceInfo {
  id: number;
  reason: ConnectionReason;
  agentName: string;
  model: string;
  provider: string | undefined;
  resumed: boolean;
}

/** One function call's span; `run` runs the tool inside it (so the tool's own spans nest). */
export interface ToolTrace {
  run<T>(fn: () => T): T;
  end(outcome: ToolOutcome, responses: number, error?: string): void;
}

/** What a live run reports. The disabled one does nothing at all. */
export interface RunTelemetry {
  /** `performance.now()` when measuring, 0 otherwise (saves the clock read). */
  now(): number;
  /** Runs `fn` in the run span's context (what it starts, e.g. a recorder's storage spans, nests under the run). */
  within<T>(fn: () => T): T;
  connectionOpened(info: ConnectionTraceInfo): void;
  connectionClosed(
    id: number,
    info: { code: number | undefined; closedByClient: boolean; reason: string },
  ): void;
  reconnect(): void;
  toolCall(info: { name: string; callId: string | undefined; behavior: string }): ToolTrace;
  storage<T>(operation: string, call: () => Promise<T>): Promise<T>;
  audioIn(mimeType: string | undefined, base64: string | undefined): void;
  audioOut(mimeType: string | undefined, base64: string | undefined): void;
  event(rule: string, persisted: boolean): void;
  tokens(usage: { promptTokenCount?: number; responseTokenCount?: number } | undefined): void;
  /** The server message received at `receivedAt` (from `now()`) has its events handed over. */
  messageHandled(receivedAt: number): void;
  end(error: unknown): void;
}

const NOOP_TOOL: ToolTrace = { run: (fn) => fn(), end: () => {} };

/** `Runner({telemetry: false})`: every call returns at once. */
export const NO_TELEMETRY: RunTelemetry = {
  now: () => 0,
  within: (fn) => fn(),
  connectionOpened: () => {},
  connectionClosed: () => {},
  reconnect: () => {},
  toolCall: () => NOOP_TOOL,
  storage: (_operation, call) => call(),
  audioIn: () => {},
  audioOut: () => {},
  event: () => {},
  tokens: () => {},
  messageHandled: () => {},
  end: () => {},
};

export interface RunTraceInfo {
  appName: string;
  agentName: string;
  sessionId: string;
  invocationId: string;
}

interface PendingCount {
  rule: string;
  persisted: boolean;
  count: number;
}

/** A run reported through `@opentelemetry/api`: its span, its connections' and tools' spans, its metrics. */
export class OtelRunTelemetry implements RunTelemetry {
  private readonly instruments: RunnerInstruments;
  private readonly span: Span;
  private readonly context: Context;
  private readonly connections = new Map<number, Span>();
  private readonly inSeconds = new PcmSeconds();
  private readonly outSeconds = new PcmSeconds();
  /**
   * Audio seconds and event counts are summed here and added to the instruments at each turn
   * boundary (a `control` event) and at the end: per-chunk adds would cost an SDK an
   * attribute lookup per audio chunk.
   */
  private pendingIn = 0;
  private pendingOut = 0;
  /** Counts by rule, not persisted and persisted; made at the first event counted. */
  private pendingEvents: readonly [Map<string, PendingCount>, Map<string, PendingCount>] | undefined;
  private readonly metricsOn: boolean;
  private ended = false;

  constructor(instruments: RunnerInstruments, info: RunTraceInfo) {
    this.instruments = instruments;
    this.span = instruments.tracer.startSpan(`${TELEMETRY_NAMES.spans.run} ${info.agentName}`, {
      kind: SpanKind.INTERNAL,
      attributes: {
        [A.operation]: 'invoke_agent',
        [A.agentName]: info.agentName,
        [A.conversationId]: info.sessionId,
        [A.appName]: info.appName,
        [A.invocationId]: info.invocationId,
      },
    });
    // A span without a valid context (the API with no SDK registered) gives children nothing to
    // inherit: the caller's context serves, and the run keeps no context object of its own.
    const active = context.active();
    this.context = isSpanContextValid(this.span.spanContext()) ? trace.setSpan(active, this.span) : active;
    this.metricsOn = instruments.metricsOn;
    instruments.activeRuns.add(1);
  }

  now(): number {
    return this.metricsOn ? performance.now() : 0;
  }

  within<T>(fn: () => T): T {
    return context.with(this.context, fn);
  }

  connectionOpened(info: ConnectionTraceInfo): void {
    const attributes: Attributes = {
      [A.operation]: 'live',
      [A.requestModel]: info.model,
      [A.agentName]: info.agentName,
      [A.connectionId]: info.id,
      [A.connectionReason]: info.reason,
      [A.resumed]: info.resumed,
    };
    if (info.provider !== undefined) attributes[A.provider] = info.provider;
    const span = this.instruments.tracer.startSpan(
      `${TELEMETRY_NAMES.spans.connection} ${info.model}`,
      { kind: SpanKind.CLIENT, attributes },
      this.context,
    );
    this.connections.set(info.id, span);
    this.instruments.connections.add(1, { [A.connectionReason]: info.reason });
    this.instruments.activeConnections.add(1);
  }

  connectionClosed(
    id: number,
    info: { code: number | undefined; closedByClient: boolean; reason: string },
  ): void {
    const span = this.connections.get(id);
    if (span === undefined) return;
    this.connections.delete(id);
    if (info.code !== undefined) span.setAttribute(A.closeCode, info.code);
    if (!info.closedByClient) {
      const detail = info.reason ? `: ${info.reason}` : '';
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: `closed by the server (code ${info.code})${detail}`,
      });
      span.setAttribute(A.errorType, 'connection_lost');
    }
    span.end();
    this.instruments.activeConnections.add(-1);
  }

  reconnect(): void {
    this.instruments.reconnects.add(1);
  }

  toolCall(info: { name: string; callId: string | undefined; behavior: string }): ToolTrace {
    const attributes: Attributes = {
      [A.operation]: 'execute_tool',
      [A.toolName]: info.name,
      [A.toolType]: 'function',
      [A.toolBehavior]: info.behavior,
    };
    if (info.callId !== undefined) attributes[A.toolCallId] = info.callId;
    const span = this.instruments.tracer.startSpan(
      `${TELEMETRY_NAMES.spans.tool} ${info.name}`,
      { kind: SpanKind.INTERNAL, attributes },
      this.context,
    );
    const toolContext = trace.setSpan(this.context, span);
    const started = performance.now();
    const { toolDuration } = this.instruments;
    return {
      run: (fn) => context.with(toolContext, fn),
      end: (outcome, responses, error) => {
        span.setAttribute(A.toolOutcome, outcome);
        span.setAttribute(A.toolResponses, responses);
        if (outcome === 'error' || outcome === 'timeout') {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error });
          span.setAttribute(A.errorType, outcome === 'timeout' ? 'timeout' : 'tool_error');
        }
        span.end();
        toolDuration.record((performance.now() - started) / 1000, {
          [A.toolName]: info.name,
          [A.toolOutcome]: outcome,
        });
      },
    };
  }

  async storage<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const span = this.instruments.tracer.startSpan(
      `${TELEMETRY_NAMES.spans.storagePrefix}${operation}`,
      { kind: SpanKind.CLIENT, attributes: { [A.storageOperation]: operation } },
      this.context,
    );
    try {
      return await context.with(trace.setSpan(this.context, span), call);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      span.setAttribute(A.errorType, errorTypeOf(error));
      this.instruments.storageErrors.add(1, { [A.storageOperation]: operation });
      throw error;
    } finally {
      span.end();
    }
  }

  audioIn(mimeType: string | undefined, base64: string | undefined): void {
    if (this.metricsOn) this.pendingIn += this.inSeconds.of(mimeType, base64);
  }

  audioOut(mimeType: string | undefined, base64: string | undefined): void {
    if (this.metricsOn) this.pendingOut += this.outSeconds.of(mimeType, base64);
  }

  event(rule: string, persisted: boolean): void {
    if (!this.metricsOn) return;
    this.pendingEvents ??= [new Map(), new Map()];
    const byRule = this.pendingEvents[persisted ? 1 : 0];
    const pending = byRule.get(rule);
    if (pending) pending.count += 1;
    else byRule.set(rule, { rule, persisted, count: 1 });
    if (rule === 'control') this.flushCounts();
  }

  private flushCounts(): void {
    const { instruments } = this;
    if (this.pendingIn > 0) instruments.audioIn.add(this.pendingIn);
    if (this.pendingOut > 0) instruments.audioOut.add(this.pendingOut);
    this.pendingIn = 0;
    this.pendingOut = 0;
    for (const byRule of this.pendingEvents ?? []) {
      for (const pending of byRule.values()) {
        if (pending.count === 0) continue;
        instruments.events.add(pending.count, instruments.ruleAttributesOf(pending.rule, pending.persisted));
        pending.count = 0;
      }
    }
  }

  tokens(usage: { promptTokenCount?: number; responseTokenCount?: number } | undefined): void {
    if (!usage || !this.metricsOn) return;
    const { tokenUsage } = this.instruments;
    if (usage.promptTokenCount !== undefined) tokenUsage.record(usage.promptTokenCount, INPUT_TOKENS);
    if (usage.responseTokenCount !== undefined) tokenUsage.record(usage.responseTokenCount, OUTPUT_TOKENS);
  }

  messageHandled(receivedAt: number): void {
    this.instruments.addedLatency.record((performance.now() - receivedAt) / 1000);
  }

  end(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.flushCounts();
    for (const [id] of this.connections)
      this.connectionClosed(id, { code: undefined, closedByClient: true, reason: '' });
    if (error === undefined) {
      this.span.setAttribute(A.runOutcome, 'ok');
    } else {
      this.span.setAttribute(A.runOutcome, 'error');
      this.span.setAttribute(A.errorType, errorTypeOf(error));
      this.span.recordException(error instanceof Error ? error : String(error));
      this.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    this.span.end();
    this.instruments.activeRuns.add(-1);
  }
}

const INPUT_TOKENS = { [A.operation]: 'live', [A.tokenType]: 'input' };
const OUTPUT_TOKENS = { [A.operation]: 'live', [A.tokenType]: 'output' };

/** `error.type`: the typed error's stable code when there is one, else its class name. */
function errorTypeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'Error';
}

/** Model audio seconds (the first inline part of an event) and token usage, for telemetry. */
export function noteModelOutput(telemetry: RunTelemetry, event: Event): void {
  const blob = event.content?.parts?.[0]?.inlineData;
  if (blob !== undefined) telemetry.audioOut(blob.mimeType, blob.data);
  else if (event.usageMetadata) telemetry.tokens(event.usageMetadata);
}
