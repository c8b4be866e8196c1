import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AudioRecorder, InMemorySessionService, type RunConfig } from '@earshot/core';
import { GeminiLiveModel, LlmAgent, Runner } from '@earshot/runner';
import { type FakeConnectionHandler, type FakeConnectionPlan, FakeLiveServer } from '@earshot/testing';
import {
  type BridgeLimits,
  createLiveBridge,
  type LiveBridge,
  type LiveBridgeOptions,
} from '../../src/index.js';

/** Tokens the fixture's `authenticate` knows: `?token=tok-NAME` is user NAME. */
export function tokenUser(request: IncomingMessage): { userId: string } {
  const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
  if (!token.startsWith('tok-')) throw new Error('bad token');
  return { userId: token.slice(4) };
}

export interface BridgeFixture {
  fake: FakeLiveServer;
  runner: Runner;
  sessionService: InMemorySessionService;
  bridge: LiveBridge;
  http: Server;
  port: number;
  /** Everything the bridge reported through `onError`. */
  reported: Array<{ error: Error; userId?: string; sessionId?: string }>;
  /** `ws://127.0.0.1:PORT/live?token=tok-USER[&session=ID][&extra]`. */
  url(user: string, session?: string, extra?: string): string;
  stop(): Promise<void>;
}

export interface BridgeFixtureOptions {
  limits?: Partial<BridgeLimits>;
  runConfig?: LiveBridgeOptions['runConfig'];
  allowedOrigins?: LiveBridgeOptions['allowedOrigins'];
  authenticate?: LiveBridgeOptions['authenticate'];
  /** What the fake model does on each connection. */
  model?: FakeConnectionHandler;
  fakeFrames?: 'text' | 'binary';
  /** Plan for every fake model connection (e.g. never answer setup). */
  fakePlan?: FakeConnectionPlan;
  audioRecorder?: AudioRecorder;
  connectTimeoutMs?: number;
  /** `onError` throws after recording (the bridge must ignore a failing logger). */
  onErrorThrows?: boolean;
  /** Given to both the Runner and the bridge. */
  telemetry?: LiveBridgeOptions['telemetry'];
}

/** A real Runner on the real SDK against FakeLiveServer, behind a real bridge on an HTTP server. */
export async function startBridge(options: BridgeFixtureOptions = {}): Promise<BridgeFixture> {
  const fake = await FakeLiveServer.start({
    frames: options.fakeFrames ?? 'binary',
    defaultPlan: options.fakePlan,
  });
  if (options.model) fake.onConnection(options.model);
  const model = new GeminiLiveModel({
    model: 'gemini-live-test',
    apiKey: 'test-key',
    httpOptions: { baseUrl: fake.baseUrl, apiVersion: 'v1beta' },
  });
  const agent = new LlmAgent({ name: 'helper', model, instruction: 'You are a test agent.', tools: [] });
  const sessionService = new InMemorySessionService();
  const runner = new Runner({
    appName: 'app',
    agent,
    sessionService,
    audioRecorder: options.audioRecorder,
    connectTimeoutMs: options.connectTimeoutMs,
    telemetry: options.telemetry,
  });
  const reported: BridgeFixture['reported'] = [];
  const bridge = createLiveBridge({
    runner,
    authenticate: options.authenticate ?? tokenUser,
    allowedOrigins: options.allowedOrigins,
    runConfig: options.runConfig ?? ({ inputAudioTranscription: {} } satisfies Partial<RunConfig>),
    limits: options.limits,
    telemetry: options.telemetry,
    onError: (error, context) => {
      reported.push({ error, ...context });
      if (options.onErrorThrows) throw new Error('the logger failed');
    },
  });
  const http = createServer((_request, response) => response.writeHead(404).end());
  http.on('upgrade', (request, socket, head) => {
    if (!bridge.handleUpgrade(request, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    fake,
    runner,
    sessionService,
    bridge,
    http,
    port,
    reported,
    url: (user, session, extra) =>
      `ws://127.0.0.1:${port}/live?token=tok-${user}` +
      (session === undefined ? '' : `&session=${encodeURIComponent(session)}`) +
      (extra ? `&${extra}` : ''),
    async stop() {
      await bridge.close({ timeoutMs: 20_000 });
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await fake.close();
    },
  };
}
