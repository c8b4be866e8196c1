import {
  type Context,
  type Counter,
  context,
  type MeterProvider,
  metrics,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
  type UpDownCounter,
} from '@opentelemetry/api';
import type { WebSocket } from 'ws';
import { BRIDGE_CLOSE_CODES } from '../protocol.js';

/** Where the bridge reports: the global `@opentelemetry/api` providers unless given; `false`: nowhere. */
export interface BridgeTelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

export const BRIDGE_TELEMETRY_NAMES = {
  instrumentationScope: '@earshot/bridge',
  /** One accepted WebSocket, from the upgrade to its close; the conversation's run span is its child. */
  connectionSpan: 'earshot.bridge.connection',
  metrics: {
    connections: 'earshot.bridge.connections',
    activeConnections: 'earshot.bridge.connections.active',
    refused: 'earshot.bridge.refused',
    errors: 'earshot.bridge.errors',
  },
  attributes: {
    conversationId: 'gen_ai.conversation.id',
    closeCode: 'earshot.bridge.close_code',
    errorType: 'error.type',
  },
} as const;

const { metrics: M, attributes: A } = BRIDGE_TELEMETRY_NAMES;
// Closes that are not failures: normal, going away, replaced by a newer socket on the session.
const CLEAN_CLOSES = new Set<number>([
  BRIDGE_CLOSE_CODES.normal,
  BRIDGE_CLOSE_CODES.goingAway,
  BRIDGE_CLOSE_CODES.replaced,
]);

/** The bridge's spans and metrics; every method is a no-op with `telemetry: false`. */
export class BridgeTelemetry {
  private readonly tracer: Tracer | undefined;
  private readonly connections: Counter | undefined;
  private readonly active: UpDownCounter | undefined;
  private readonly refusedCount: Counter | undefined;
  private readonly errors: Counter | undefined;

  constructor(options: BridgeTelemetryOptions | false | undefined) {
    if (options === false) return;
    const scope = BRIDGE_TELEMETRY_NAMES.instrumentationScope;
    this.tracer = (options?.tracerProvider ?? trace.getTracerProvider()).getTracer(scope);
    const meter = (options?.meterProvider ?? metrics.getMeterProvider()).getMeter(scope);
    this.connections = meter.createCounter(M.connections, {
      description: 'Conversations accepted',
      unit: '{connection}',
    });
    this.active = meter.createUpDownCounter(M.activeConnections, {
      description: 'Open sockets',
      unit: '{connection}',
    });
    this.refusedCount = meter.createCounter(M.refused, {
      description: 'Sockets closed right after the upgrade (limits, bad session, shutdown)',
      unit: '{connection}',
    });
    this.errors = meter.createCounter(M.errors, {
      description: 'Errors reported through onError',
      unit: '{error}',
    });
  }

  /** An accepted conversation: its span lasts until the socket closes; returns the span's context. */
  accepted(ws: WebSocket, sessionId: string): Context {
    const tracer = this.tracer;
    if (tracer === undefined) return context.active();
    const span = tracer.startSpan(BRIDGE_TELEMETRY_NAMES.connectionSpan, {
      kind: SpanKind.SERVER,
      attributes: { [A.conversationId]: sessionId },
    });
    this.connections?.add(1);
    this.active?.add(1);
    ws.once('close', (code: number) => {
      span.setAttribute(A.closeCode, code);
      if (!CLEAN_CLOSES.has(code))
        span.setStatus({ code: SpanStatusCode.ERROR, message: `closed with ${code}` });
      span.end();
      this.active?.add(-1);
    });
    return trace.setSpan(context.active(), span);
  }

  refused(code: number): void {
    this.refusedCount?.add(1, { [A.closeCode]: code });
  }

  error(error: Error): void {
    const limit = (error as { limit?: unknown }).limit;
    this.errors?.add(1, { [A.errorType]: typeof limit === 'string' ? limit : error.name });
  }
}
