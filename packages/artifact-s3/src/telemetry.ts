import { instrumentStorage } from '@earshot/core';
import { type MeterProvider, metrics, type TracerProvider, trace } from '@opentelemetry/api';

/** Where the service reports: the global `@opentelemetry/api` providers unless given; `false`: nowhere. */
export interface S3TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

const SCOPE = '@earshot/artifact-s3';
/** The traced methods: one span `earshot.s3.{method}` each. */
const METHODS = [
  'saveArtifact',
  'loadArtifact',
  'listArtifactKeys',
  'deleteArtifact',
  'listVersions',
  'listArtifactVersions',
];

/** Spans and metrics (`earshot.storage.errors`, `earshot.storage.duration`) around the service's calls. */
export function instrumentS3Service(
  service: object,
  bucket: string,
  options: S3TelemetryOptions | false | undefined,
): void {
  if (options === false) return;
  const meter = (options?.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  instrumentStorage(service, METHODS, {
    prefix: 'earshot.s3.',
    attributes: { 'aws.s3.bucket': bucket },
    instruments: {
      tracer: (options?.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE),
      errors: meter.createCounter('earshot.storage.errors', {
        description: 'Failed artifact-store calls',
        unit: '{error}',
      }),
      duration: meter.createHistogram('earshot.storage.duration', {
        description: 'Artifact-store calls',
        unit: 's',
      }),
    },
  });
}
