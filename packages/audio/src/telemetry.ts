import {
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { RetryOutcome } from './retry.js';

/** Where the aggregator reports: the global `@opentelemetry/api` providers unless given; `false`: nowhere. */
export interface AudioTelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

/** Span, metric and attribute names of `@earshot/audio`. */
export const AUDIO_TELEMETRY_NAMES = {
  instrumentationScope: '@earshot/audio',
  /** `earshot.audio.save_segment` / `earshot.audio.save_mixdown`: one artifact write, retries included. */
  spanPrefix: 'earshot.audio.save_',
  metrics: {
    saves: 'earshot.audio.saves',
    savedBytes: 'earshot.audio.saved.bytes',
    saveDuration: 'earshot.audio.save.duration',
    storageErrors: 'earshot.storage.errors',
  },
  attributes: {
    kind: 'earshot.audio.kind',
    direction: 'earshot.audio.direction',
    bytes: 'earshot.audio.bytes',
    attempts: 'earshot.audio.attempts',
    outcome: 'earshot.audio.outcome',
    operation: 'earshot.storage.operation',
    errorType: 'error.type',
  },
} as const;

const { metrics: M, attributes: A } = AUDIO_TELEMETRY_NAMES;

export type SaveKind = 'segment' | 'mixdown';

/** The aggregator's tracer and instruments; `save` wraps one artifact write (with its retries). */
export class AudioTelemetry {
  private readonly tracer: Tracer | undefined;
  private readonly saves: Counter | undefined;
  private readonly savedBytes: Counter | undefined;
  private readonly saveDuration: Histogram | undefined;
  private readonly storageErrors: Counter | undefined;

  constructor(options: AudioTelemetryOptions | false | undefined) {
    if (options === false) return;
    const scope = AUDIO_TELEMETRY_NAMES.instrumentationScope;
    this.tracer = (options?.tracerProvider ?? trace.getTracerProvider()).getTracer(scope);
    const meter = (options?.meterProvider ?? metrics.getMeterProvider()).getMeter(scope);
    this.saves = meter.createCounter(M.saves, { description: 'Recording files written', unit: '{file}' });
    this.savedBytes = meter.createCounter(M.savedBytes, {
      description: 'Recording bytes written',
      unit: 'By',
    });
    this.saveDuration = meter.createHistogram(M.saveDuration, {
      description: 'One recording file write, retries included',
      unit: 's',
    });
    this.storageErrors = meter.createCounter(M.storageErrors, {
      description: 'Recording writes that failed after their retries',
      unit: '{error}',
    });
  }

  async save<T>(
    kind: SaveKind,
    details: { direction?: string; bytes: number },
    write: () => Promise<RetryOutcome<T>>,
  ): Promise<RetryOutcome<T>> {
    const { tracer } = this;
    if (tracer === undefined) return write();
    const attributes: Record<string, string | number> = { [A.kind]: kind, [A.bytes]: details.bytes };
    if (details.direction !== undefined) attributes[A.direction] = details.direction;
    const span = tracer.startSpan(`${AUDIO_TELEMETRY_NAMES.spanPrefix}${kind}`, {
      kind: SpanKind.CLIENT,
      attributes,
    });
    const started = performance.now();
    const outcome = await write();
    span.setAttribute(A.attempts, outcome.attempts);
    const result = { [A.kind]: kind, [A.outcome]: outcome.ok ? 'ok' : 'error' };
    if (outcome.ok) {
      this.savedBytes?.add(details.bytes, { [A.kind]: kind });
    } else {
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      span.recordException(outcome.error instanceof Error ? outcome.error : message);
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      span.setAttribute(A.errorType, errorTypeOf(outcome.error));
      this.storageErrors?.add(1, { [A.operation]: 'save_artifact' });
    }
    span.end();
    this.saves?.add(1, result);
    this.saveDuration?.record((performance.now() - started) / 1000, result);
    return outcome;
  }
}

function errorTypeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'Error';
}
