import { type AudioRecorder, InMemorySessionService, type RunConfig } from '@earshot/core';
import { type FakeConnectionPlan, type FakeLiveConnection, FakeLiveServer } from '@earshot/testing';
import { LlmAgent, type LlmAgentOptions } from '../../src/agents/llm-agent.js';
import { GeminiLiveModel } from '../../src/connection/gemini-live-model.js';
import { LiveRequestQueue } from '../../src/input/live-request-queue.js';
import { Runner, type RunnerOptions } from '../../src/runner.js';
import type { FunctionTool } from '../../src/tools/function-tool.js';
import { type Collected, collect, kindOf } from './collect.js';

export type FrameEncoding = 'text' | 'binary';
export const FRAME_ENCODINGS: FrameEncoding[] = ['text', 'binary'];

export interface LiveFixture {
  server: FakeLiveServer;
  conn: FakeLiveConnection;
  queue: LiveRequestQueue;
  run: Collected;
  runner: Runner;
  sessionService: RunnerOptions['sessionService'];
  storedKinds(): Promise<string[]>;
}

export interface LiveFixtureOptions {
  frames: FrameEncoding;
  tools?: FunctionTool[];
  runConfig?: Partial<RunConfig>;
  audioRecorder?: AudioRecorder;
  toolTimeoutMs?: number;
  connectTimeoutMs?: number;
  plan?: FakeConnectionPlan;
  /** Do not wait for a connection (connect-failure tests). */
  noConnection?: boolean;
  /** More agent options (tool callbacks …). */
  agent?: Partial<LlmAgentOptions>;
  /** More runner options (plugins, telemetry, a session service …). */
  runner?: Partial<RunnerOptions>;
}

/** A Runner on the real `@google/genai` SDK talking to a FakeLiveServer on loopback. */
export async function startLive(options: LiveFixtureOptions): Promise<LiveFixture> {
  const server = await FakeLiveServer.start({ frames: options.frames });
  if (options.plan) server.planConnection(options.plan);
  const model = new GeminiLiveModel({
    model: 'gemini-live-test',
    apiKey: 'test-key',
    httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
  });
  const agent = new LlmAgent({
    name: 'helper',
    model,
    instruction: 'You are a test agent.',
    tools: options.tools ?? [],
    ...options.agent,
  });
  const sessionService = options.runner?.sessionService ?? new InMemorySessionService();
  const runner = new Runner({
    appName: 'app',
    agent,
    sessionService,
    audioRecorder: options.audioRecorder,
    toolTimeoutMs: options.toolTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    ...options.runner,
  });
  const queue = new LiveRequestQueue();
  const run = collect(
    runner.runLive({ userId: 'u1', sessionId: 's1', liveRequestQueue: queue, runConfig: options.runConfig }),
  );
  const conn = options.noConnection
    ? (undefined as never)
    : await server.nextConnection({ timeoutMs: 20_000 });
  return {
    server,
    conn,
    queue,
    run,
    runner,
    sessionService,
    storedKinds: async () =>
      (
        (await sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' }))?.events ?? []
      ).map(kindOf),
  };
}

/** Ends a fixture whatever state it is in: close the queue, wait for the run, stop the server. */
export async function stopLive(fixture: LiveFixture | undefined): Promise<void> {
  if (!fixture) return;
  if (!fixture.queue.isClosed) fixture.queue.close();
  await fixture.run.done;
  await fixture.server.close();
}
