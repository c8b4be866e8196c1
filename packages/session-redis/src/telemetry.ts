import { instrumentStorage } from '@earshot/core';
import { type MeterProvider, metrics, type TracerProvider, trace } from '@opentelemetry/api';

/** Where the service reports: the global `@opentelemetry/api` providers unless given; `false`: nowhere. */
export interface RedisTelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

const SCOPE = '@earshot/session-redis';
/** The traced methods: one span `earshot.redis.{method}` each. */
const METHODS = ['createSession', 'getSession', 'listSessions', 'deleteSession', 'appendEvent'];

/** Spans and metrics (`earshot.storage.errors`, `earshot.storage.duration`) around the service's calls. */
export function instrumentRedisService(
  service: object,
  options: RedisTelemetryOptions | false | undefined,
): void {
  if (options === false) return;
  const meter = (options?.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  instrumentStorage(service, METHODS, {
    prefix: 'earshot.redis.',
    attributes: { 'db.system.name': 'redis' },
    instruments: {
      tracer: (options?.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE),
      errors: meter.createCounter('earshot.storage.errors', {
        description: 'Failed session-store calls',
        unit: '{error}',
      }),
      duration: meter.createHistogram('earshot.storage.duration', {
        description: 'Session-store calls',
        unit: 's',
      }),
    },
  });
}
