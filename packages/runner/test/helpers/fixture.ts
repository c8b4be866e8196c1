import {
  type AudioRecorder,
  type Event,
  InMemorySessionService,
  type PersistencePolicy,
  type RunConfig,
  type SessionService,
} from '@earshot/core';
import { LlmAgent } from '../../src/agents/llm-agent.js';
import { LiveRequestQueue } from '../../src/input/live-request-queue.js';
import { Runner, type RunnerOptions } from '../../src/runner.js';
import type { FunctionTool } from '../../src/tools/function-tool.js';
import { type Collected, collect, kindOf } from './collect.js';
import { type ScriptedConnection, ScriptedLiveModel } from './scripted-live-model.js';

export const APP = 'app';
export const USER = 'u1';
export const SESSION = 's1';

export interface ScriptedRunOptions {
  tools?: FunctionTool[];
  runConfig?: Partial<RunConfig>;
  sessionService?: SessionService;
  audioRecorder?: AudioRecorder;
  persistencePolicy?: PersistencePolicy;
  toolTimeoutMs?: number;
  reconnect?: RunnerOptions['reconnect'];
  recorderFlushTimeoutMs?: number;
  newSessionContext?: RunnerOptions['newSessionContext'];
  inputReplay?: RunnerOptions['inputReplay'];
  resumptionSaveDelayMs?: number;
  storageOutage?: RunnerOptions['storageOutage'];
  maxPendingEvents?: number;
  /** Replaces the default single agent (its model must be `model`). */
  agent?: LlmAgent;
  /** Skip waiting for the connection (for connect-failure tests). */
  noConnection?: boolean;
  model?: ScriptedLiveModel;
}

export interface ScriptedRun {
  model: ScriptedLiveModel;
  conn: ScriptedConnection;
  queue: LiveRequestQueue;
  run: Collected;
  runner: Runner;
  sessionService: SessionService;
  /** Kinds of the events stored in the session, in order. */
  storedKinds(): Promise<string[]>;
  stored(): Promise<Event[]>;
}

/** A runner over a socket-free scripted model, already iterating in the background. */
export async function startScriptedRun(options: ScriptedRunOptions = {}): Promise<ScriptedRun> {
  const model = options.model ?? new ScriptedLiveModel();
  const agent =
    options.agent ??
    new LlmAgent({ name: 'helper', model, instruction: 'Be brief.', tools: options.tools ?? [] });
  const sessionService = options.sessionService ?? new InMemorySessionService();
  const runner = new Runner({
    appName: APP,
    agent,
    sessionService,
    audioRecorder: options.audioRecorder,
    persistencePolicy: options.persistencePolicy,
    toolTimeoutMs: options.toolTimeoutMs,
    reconnect: options.reconnect,
    recorderFlushTimeoutMs: options.recorderFlushTimeoutMs,
    newSessionContext: options.newSessionContext,
    inputReplay: options.inputReplay,
    resumptionSaveDelayMs: options.resumptionSaveDelayMs,
    storageOutage: options.storageOutage,
    maxPendingEvents: options.maxPendingEvents,
  });
  const queue = new LiveRequestQueue();
  const run = collect(
    runner.runLive({
      userId: USER,
      sessionId: SESSION,
      liveRequestQueue: queue,
      runConfig: options.runConfig,
    }),
  );
  const conn = options.noConnection ? (undefined as never) : await model.nextConnection();
  const stored = async () =>
    (await sessionService.getSession({ appName: APP, userId: USER, sessionId: SESSION }))?.events ?? [];
  return {
    model,
    conn,
    queue,
    run,
    runner,
    sessionService,
    stored,
    storedKinds: async () => (await stored()).map(kindOf),
  };
}
