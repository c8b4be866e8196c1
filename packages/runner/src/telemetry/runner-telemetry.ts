import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type Tracer,
  type TracerProvider,
  trace,
  type UpDownCounter,
} from '@opentelemetry/api';
import { TELEMETRY_NAMES } from './names.js';

/**
 * Where the runner reports. Defaults to the global providers of `@opentelemetry/api` (the ones
 * an application's SDK registers); register the SDK before creating the Runner (metric
 * instruments are created then). `false` leaves every telemetry call out of the run.
 */
export interface TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

const { metrics: M } = TELEMETRY_NAMES;

/** A Runner's tracer and metric instruments, shared by its runs. */
export class RunnerInstruments {
  readonly tracer: Tracer;
  readonly activeRuns: UpDownCounter;
  readonly connections: Counter;
  readonly activeConnections: UpDownCounter;
  readonly reconnects: Counter;
  readonly audioIn: Counter;
  readonly audioOut: Counter;
  readonly events: Counter;
  readonly addedLatency: Histogram;
  readonly toolDuration: Histogram;
  readonly storageErrors: Counter;
  readonly tokenUsage: Histogram;
  /**
   * False when the meter is the API's no-op one (no SDK registered): the per-chunk work behind
   * the metrics (clock reads, audio seconds, event counts) is then skipped altogether.
   */
  readonly metricsOn: boolean;
  /** Attribute sets per persistence rule, built once (the SDK hashes attributes on every add). */
  private readonly ruleAttributes = new Map<string, Attributes>();

  constructor(options: TelemetryOptions = {}) {
    const scope = TELEMETRY_NAMES.instrumentationScope;
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(scope);
    const meter: Meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(scope);
    this.activeRuns = meter.createUpDownCounter(M.activeRuns, {
      description: 'Live runs in progress',
      unit: '{run}',
    });
    this.connections = meter.createCounter(M.connections, {
      description: 'Model connections opened',
      unit: '{connection}',
    });
    this.activeConnections = meter.createUpDownCounter(M.activeConnections, {
      description: 'Model connections open',
      unit: '{connection}',
    });
    this.reconnects = meter.createCounter(M.reconnects, {
      description: 'Lost or ending connections replaced by a resumed one',
      unit: '{reconnect}',
    });
    this.audioIn = meter.createCounter(M.audioIn, { description: 'Audio sent to the model', unit: 's' });
    this.audioOut = meter.createCounter(M.audioOut, { description: 'Audio the model sent', unit: 's' });
    this.events = meter.createCounter(M.events, {
      description: 'Events emitted, by persistence rule',
      unit: '{event}',
    });
    this.addedLatency = meter.createHistogram(M.addedLatency, {
      description: 'Server message received to its events handed to the caller',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      },
    });
    this.toolDuration = meter.createHistogram(M.toolDuration, {
      description: 'Function calls, from the call to its last answer (hooks included)',
      unit: 's',
    });
    this.storageErrors = meter.createCounter(M.storageErrors, {
      description: 'Session-service calls made by the runner that failed',
      unit: '{error}',
    });
    this.tokenUsage = meter.createHistogram(M.tokenUsage, {
      description: 'Tokens reported by the model per usage message',
      unit: '{token}',
    });
    // The no-op meter hands out one shared instrument per kind.
    this.metricsOn = this.addedLatency !== createNoopMeter().createHistogram(M.addedLatency);
  }

  ruleAttributesOf(rule: string, persisted: boolean): Attributes {
    const key = persisted ? rule : `${rule}\u0000`;
    let attributes = this.ruleAttributes.get(key);
    if (attributes === undefined) {
      const { rule: ruleKey, persisted: persistedKey } = TELEMETRY_NAMES.attributes;
      attributes = { [ruleKey]: rule, [persistedKey]: persisted };
      this.ruleAttributes.set(key, attributes);
    }
    return attributes;
  }
}
