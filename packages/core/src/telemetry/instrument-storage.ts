/**
 * Spans and metrics around a storage service's methods, for backends that report through
 * `@opentelemetry/api`. Structural types only: core does not depend on OpenTelemetry; a
 * backend passes its `Tracer`, `Counter` and `Histogram` (they fit these shapes).
 */
export type TelemetryAttributes = Record<string, string | number | boolean>;

export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): unknown;
  end(): void;
}

export interface TracerLike {
  startSpan(name: string, options?: { kind?: number; attributes?: TelemetryAttributes }): SpanLike;
}

export interface StorageInstruments {
  tracer: TracerLike;
  /** Failed calls, by `earshot.storage.operation` and `error.type`. */
  errors: { add(value: number, attributes?: TelemetryAttributes): void };
  /** Call durations in seconds, by `earshot.storage.operation`. */
  duration: { record(value: number, attributes?: TelemetryAttributes): void };
}

// OpenTelemetry's SpanKind.CLIENT and SpanStatusCode.ERROR.
const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;

/**
 * Replaces each named async method of `target` with one that runs it inside a span
 * `{prefix}{method}` (kind client, with `attributes` and `earshot.storage.operation`), records its
 * duration, and on failure sets the span's status and `error.type` (the typed error's `code`)
 * and counts it. Results and errors pass through unchanged.
 */
export function instrumentStorage<T extends object>(
  target: T,
  methods: readonly string[],
  options: { prefix: string; attributes: TelemetryAttributes; instruments: StorageInstruments },
): void {
  const { prefix, attributes, instruments } = options;
  for (const method of methods) {
    const original = (target as Record<string, unknown>)[method];
    if (typeof original !== 'function') continue;
    const operation = { 'earshot.storage.operation': method };
    const spanAttributes = { ...attributes, ...operation };
    Object.defineProperty(target, method, {
      configurable: true,
      writable: true,
      value: async function traced(this: unknown, ...args: unknown[]) {
        const span = instruments.tracer.startSpan(`${prefix}${method}`, {
          kind: SPAN_KIND_CLIENT,
          attributes: spanAttributes,
        });
        const started = performance.now();
        try {
          return await (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
        } catch (error) {
          const type = errorTypeOf(error);
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({
            code: STATUS_ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
          span.setAttribute('error.type', type);
          instruments.errors.add(1, { ...operation, 'error.type': type });
          throw error;
        } finally {
          span.end();
          instruments.duration.record((performance.now() - started) / 1000, operation);
        }
      },
    });
  }
}

function errorTypeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'Error';
}
