import {
  AlreadyExistsError,
  type ArtifactService,
  type AudioRecorder,
  classifyLiveEvent,
  createRunConfig,
  type Event,
  InvalidArgumentError,
  LIVE_RESUMPTION_HANDLE_KEY,
  newInvocationId,
  type PersistencePolicy,
  type RunConfig,
  type Session,
  type SessionService,
  validateId,
} from '@earshot/core';
import { AgentTree, LIVE_AGENT_KEY } from './agents/agent-tree.js';
import type { LlmAgent } from './agents/llm-agent.js';
import {
  type ReconnectOptions,
  type ReconnectPolicy,
  reconnectPolicy,
} from './connection/reconnect-policy.js';
import { DEFAULT_TRANSCRIPT_LIMITS, type TranscriptLimits } from './continuity/bounded-transcript.js';
import { type InputReplayOptions, inputReplayOptions } from './continuity/input-ledger.js';
import type { LiveRequestQueue } from './input/live-request-queue.js';
import { DEFAULT_PLUGIN_END_TIMEOUT_MS, DEFAULT_PLUGIN_QUEUE_LIMIT } from './plugins/plugin-host.js';
import type { RunnerPlugin } from './plugins/runner-plugin.js';
import { LiveEventStream, type OpenedRun } from './run/live-event-stream.js';
import { LiveRun } from './run/live-run.js';
import {
  type StorageOutageOptions,
  type StorageOutagePolicy,
  storageOutagePolicy,
} from './run/storage-outage.js';
import { NO_TELEMETRY, OtelRunTelemetry, type RunTelemetry } from './telemetry/run-telemetry.js';
import { RunnerInstruments, type TelemetryOptions } from './telemetry/runner-telemetry.js';

export interface RunnerOptions {
  appName: string;
  agent: LlmAgent;
  sessionService: SessionService;
  /** Gives tools `toolContext.artifacts`. */
  artifactService?: ArtifactService;
  /** Records live audio when `runConfig.saveLiveAudio` is true. */
  audioRecorder?: AudioRecorder;
  /** Decides which events are appended to the session; defaults to `classifyLiveEvent`. */
  persistencePolicy?: PersistencePolicy;
  /** Per tool call, unless the tool sets `timeoutMs`. Default 30 s. */
  toolTimeoutMs?: number;
  /** Limit for a model connection to be set up. Default 15 s. */
  connectTimeoutMs?: number;
  /** Replacing a lost connection (needs a resumption handle); `false` never reconnects. */
  reconnect?: ReconnectOptions | false;
  /** How long the end of a run waits for the audio recorder's last flush. Default 30 s. */
  recorderFlushTimeoutMs?: number;
  /** Bounds of the input kept for resending with `sessionResumption.transparent`. */
  inputReplay?: InputReplayOptions;
  /**
   * The stored conversation a new Gemini session gets first (no handle, or the stored one was
   * refused): the newest events within these bounds. `maxEvents: 0` or `maxChars: 0` turns it off.
   */
  newSessionContext?: TranscriptLimits;
  /** Longest time a new resumption handle waits for a persisted event to carry it to session state. Default 3 s. */
  resumptionSaveDelayMs?: number;
  /** Observe or steer every run (see `RunnerPlugin`); called in this order. */
  plugins?: readonly RunnerPlugin[];
  /** Notifications one plugin may have waiting before it is cut off (and that is reported). Default 10 000. */
  pluginQueueLimit?: number;
  /** How long the end of a run waits for plugins to take their last notifications. Default 5 s. */
  pluginEndTimeoutMs?: number;
  /** Spans and metrics through `@opentelemetry/api` (global providers unless given); `false`: none. */
  telemetry?: TelemetryOptions | false;
  /**
   * A failing session store does not end the run: unpersisted events are held (in order, within
   * these bounds) and retried; see README "Storage outages". `false`: end at the first failed append.
   */
  storageOutage?: StorageOutageOptions | false;
  /**
   * Most events a run holds for a caller that stopped taking them (the Live socket has no
   * backpressure); past it the run ends with `SlowConsumerError`. Default 10 000 (~400 s of 40 ms
   * model audio).
   */
  maxPendingEvents?: number;
}

export interface RunLiveRequest {
  userId: string;
  sessionId: string;
  liveRequestQueue: LiveRequestQueue;
  /** Partial settings; completed with `createRunConfig`, never mutated. */
  runConfig?: Partial<RunConfig>;
  /** Aborting ends the run as leaving the loop does (the generator then returns, recordings flushed). */
  abortSignal?: AbortSignal;
}

/** Events a run holds for a caller that stopped taking them, by default. */
export const DEFAULT_MAX_PENDING_EVENTS = 10_000;
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
export const DEFAULT_RECORDER_FLUSH_TIMEOUT_MS = 30_000;
export const DEFAULT_RESUMPTION_SAVE_DELAY_MS = 3_000;

/** Runs an agent live: queue in, events out, session kept per the persistence policy. */
export class Runner {
  readonly appName: string;
  readonly agent: LlmAgent;
  readonly sessionService: SessionService;
  readonly artifactService: ArtifactService | undefined;
  readonly audioRecorder: AudioRecorder | undefined;
  readonly persistencePolicy: PersistencePolicy;
  readonly toolTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnect: ReconnectPolicy;
  readonly recorderFlushTimeoutMs: number;
  readonly inputReplay: Required<InputReplayOptions>;
  readonly newSessionContext: Required<TranscriptLimits>;
  readonly resumptionSaveDelayMs: number;
  readonly plugins: readonly RunnerPlugin[];
  readonly pluginQueueLimit: number;
  readonly pluginEndTimeoutMs: number;
  readonly storageOutage: StorageOutagePolicy | undefined;
  readonly maxPendingEvents: number;
  private readonly tree: AgentTree;
  private readonly instruments: RunnerInstruments | undefined;

  constructor(options: RunnerOptions) {
    this.appName = validateId('appName', options?.appName);
    // Shape checks rather than instanceof: an app may load the ESM and the CJS build side by side.
    const agent = options?.agent;
    if (
      typeof agent?.name !== 'string' ||
      typeof agent.model?.connect !== 'function' ||
      !Array.isArray(agent.tools)
    ) {
      throw new InvalidArgumentError('agent must be an LlmAgent', { field: 'agent' });
    }
    if (!options.sessionService || typeof options.sessionService.appendEvent !== 'function') {
      throw new InvalidArgumentError('sessionService is required', { field: 'sessionService' });
    }
    this.agent = options.agent;
    this.tree = new AgentTree(options.agent);
    this.sessionService = options.sessionService;
    this.artifactService = options.artifactService;
    this.audioRecorder = options.audioRecorder;
    this.persistencePolicy = options.persistencePolicy ?? classifyLiveEvent;
    this.toolTimeoutMs = positive('toolTimeoutMs', options.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS);
    this.connectTimeoutMs = positive(
      'connectTimeoutMs',
      options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    this.reconnect = reconnectPolicy(options.reconnect);
    this.recorderFlushTimeoutMs = positive(
      'recorderFlushTimeoutMs',
      options.recorderFlushTimeoutMs ?? DEFAULT_RECORDER_FLUSH_TIMEOUT_MS,
    );
    this.inputReplay = inputReplayOptions(options.inputReplay);
    this.newSessionContext = transcriptLimits(options.newSessionContext);
    this.resumptionSaveDelayMs = positive(
      'resumptionSaveDelayMs',
      options.resumptionSaveDelayMs ?? DEFAULT_RESUMPTION_SAVE_DELAY_MS,
    );
    this.plugins = pluginsOf(options.plugins);
    const limit = options.pluginQueueLimit ?? DEFAULT_PLUGIN_QUEUE_LIMIT;
    if (!Number.isSafeInteger(limit) || limit <= 0) {
      throw new InvalidArgumentError('pluginQueueLimit must be a positive integer', {
        field: 'pluginQueueLimit',
      });
    }
    this.pluginQueueLimit = limit;
    this.pluginEndTimeoutMs = positive(
      'pluginEndTimeoutMs',
      options.pluginEndTimeoutMs ?? DEFAULT_PLUGIN_END_TIMEOUT_MS,
    );
    this.instruments = options.telemetry === false ? undefined : new RunnerInstruments(options.telemetry);
    this.storageOutage = storageOutagePolicy(options.storageOutage);
    const maxPending = options.maxPendingEvents ?? DEFAULT_MAX_PENDING_EVENTS;
    if (!Number.isInteger(maxPending) || maxPending < 1) {
      throw new InvalidArgumentError('maxPendingEvents must be a positive integer', {
        field: 'maxPendingEvents',
      });
    }
    this.maxPendingEvents = maxPending;
  }

  /**
   * Connects the agent's model and streams the run's events until the queue is closed and the
   * work in flight is done. An unrecoverable error is yielded as an error event, then thrown.
   * Leaving the loop early (`break`) stops the run and closes the model connection.
   */
  runLive(request: RunLiveRequest): AsyncGenerator<Event, void, undefined> {
    return new LiveEventStream(() => this.openRun(request));
  }

  /** Validates the request, finds the session and starts the run; undefined when already aborted. */
  private async openRun(request: RunLiveRequest): Promise<OpenedRun | undefined> {
    const { userId, sessionId, liveRequestQueue, abortSignal } = request ?? {};
    validateId('userId', userId);
    validateId('sessionId', sessionId);
    if (typeof liveRequestQueue?.get !== 'function' || typeof liveRequestQueue.attach !== 'function') {
      throw new InvalidArgumentError('liveRequestQueue must be a LiveRequestQueue', {
        field: 'liveRequestQueue',
      });
    }
    if (abortSignal !== undefined && typeof abortSignal?.addEventListener !== 'function') {
      throw new InvalidArgumentError('abortSignal must be an AbortSignal', { field: 'abortSignal' });
    }
    const runConfig = createRunConfig(request.runConfig);
    if (abortSignal?.aborted) return undefined;
    const invocationId = newInvocationId();
    const telemetry: RunTelemetry = this.instruments
      ? new OtelRunTelemetry(this.instruments, {
          appName: this.appName,
          agentName: this.agent.name,
          sessionId,
          invocationId,
        })
      : NO_TELEMETRY;
    let found: { session: Session; created: boolean };
    try {
      found = await this.sessionFor(userId, sessionId, telemetry);
    } catch (error) {
      telemetry.end(error);
      throw error;
    }
    const { session, created } = found;
    const { agent, handle } = this.resumePoint(runConfig, session);
    const run = new LiveRun({
      appName: this.appName,
      session,
      tree: this.tree,
      agent,
      startHandle: handle,
      invocationId,
      runConfig,
      queue: liveRequestQueue,
      sessionService: this.sessionService,
      artifactService: this.artifactService,
      audioRecorder: this.audioRecorder,
      persistencePolicy: this.persistencePolicy,
      toolTimeoutMs: this.toolTimeoutMs,
      connectTimeoutMs: this.connectTimeoutMs,
      reconnect: this.reconnect,
      recorderFlushTimeoutMs: this.recorderFlushTimeoutMs,
      inputReplay: this.inputReplay,
      newSessionContext: this.newSessionContext,
      sessionCreated: created,
      resumptionSaveDelayMs: this.resumptionSaveDelayMs,
      plugins: this.plugins,
      pluginQueueLimit: this.pluginQueueLimit,
      pluginEndTimeoutMs: this.pluginEndTimeoutMs,
      telemetry,
      storageOutage: this.storageOutage,
      maxPendingEvents: this.maxPendingEvents,
    });
    run.start();
    // Aborting stops the run; its last events (handle, recordings) are still yielded, then it ends.
    if (abortSignal !== undefined) {
      const onAbort = () => void run.stop();
      const forget = () => abortSignal.removeEventListener('abort', onAbort);
      abortSignal.addEventListener('abort', onAbort, { once: true });
      run.finished.then(forget, forget);
      if (abortSignal.aborted) onAbort();
    }
    return run;
  }

  /**
   * Where a run starts. With `runConfig.sessionResumption` set, it resumes the Gemini session
   * from the explicit handle, else from the one saved in session state, with the agent saved
   * next to that handle (a handle belongs to one agent's session); otherwise the root agent
   * starts a new Gemini session.
   */
  private resumePoint(runConfig: RunConfig, session: Session): { agent: LlmAgent; handle?: string } {
    const resumption = runConfig.sessionResumption;
    if (!resumption) return { agent: this.agent };
    const saved = session.state[LIVE_RESUMPTION_HANDLE_KEY];
    const handle = resumption.handle || (typeof saved === 'string' && saved ? saved : undefined);
    if (!handle) return { agent: this.agent };
    const agent = handle === saved ? this.tree.get(session.state[LIVE_AGENT_KEY]) : undefined;
    return { agent: agent ?? this.agent, handle };
  }

  private async sessionFor(
    userId: string,
    sessionId: string,
    telemetry: RunTelemetry,
  ): Promise<{ session: Session; created: boolean }> {
    const key = { appName: this.appName, userId, sessionId };
    const { sessionService } = this;
    // The run appends to this object and only needs its state: skip loading the history.
    const read = () =>
      telemetry.storage('get_session', () =>
        sessionService.getSession({ ...key, config: { numRecentEvents: 0 } }),
      );
    const existing = await read();
    if (existing) return { session: existing, created: false };
    try {
      return {
        session: await telemetry.storage('create_session', () => sessionService.createSession(key)),
        created: true,
      };
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      const created = await read();
      if (!created) throw error;
      return { session: created, created: false };
    }
  }
}

function positive(field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${field} must be a positive number of milliseconds`, { field });
  }
  return value;
}

function transcriptLimits(options: TranscriptLimits | undefined): Required<TranscriptLimits> {
  const limits = { ...DEFAULT_TRANSCRIPT_LIMITS };
  for (const field of ['maxEvents', 'maxChars'] as const) {
    const value = options?.[field];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidArgumentError(`newSessionContext.${field} must be a non-negative integer`, {
        field: `newSessionContext.${field}`,
      });
    }
    limits[field] = value;
  }
  return limits;
}

function pluginsOf(plugins: readonly RunnerPlugin[] | undefined): readonly RunnerPlugin[] {
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins))
    throw new InvalidArgumentError('plugins must be an array', { field: 'plugins' });
  for (const plugin of plugins) {
    if (typeof plugin?.name !== 'string' || plugin.name.length === 0) {
      throw new InvalidArgumentError('every plugin needs a name', { field: 'plugins' });
    }
  }
  return [...plugins];
}
