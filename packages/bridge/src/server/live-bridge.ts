import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError, type RunConfig, validateId } from '@earshot/core';
import type { Runner } from '@earshot/runner';
import { context as otelContext } from '@opentelemetry/api';
import { type WebSocket, WebSocketServer } from 'ws';
import { BRIDGE_CLOSE_CODES } from '../protocol.js';
import { closeReason } from './close-reason.js';
import { Conversation } from './conversation.js';
import { BridgeLimitError } from './errors.js';
import { type BridgeLimits, resolveLimits } from './limits.js';
import { BridgeTelemetry, type BridgeTelemetryOptions } from './telemetry.js';
import { type AllowedOrigins, originAllowed, refuseUpgrade } from './upgrade-gate.js';

export interface LiveBridgeOptions {
  runner: Runner;
  /** Identity comes only from here. Resolve `{userId}`; reject/throw → HTTP 401 before any model connection. */
  authenticate(request: IncomingMessage): Promise<{ userId: string }> | { userId: string };
  /** Default: same origin only (the Origin's host must equal the Host header). A refused Origin → HTTP 403. */
  allowedOrigins?: AllowedOrigins;
  /** Only upgrades for this pathname are handled (default `/live`); `handleUpgrade` returns false for others. */
  path?: string;
  runConfig?: Partial<RunConfig> | ((ctx: { userId: string; sessionId: string }) => Partial<RunConfig>);
  limits?: Partial<BridgeLimits>;
  /** Every conversation's errors, for the server's own log (socket errors, run failures, limit breaches). */
  onError?(error: Error, context: { userId?: string; sessionId?: string }): void;
  /** Spans and metrics through `@opentelemetry/api` (global providers unless given); `false`: none. */
  telemetry?: BridgeTelemetryOptions | false;
}

export interface LiveBridge {
  /** The handler: `server.on('upgrade', bridge.handleUpgrade)`. */
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** Open sockets. */
  readonly connections: number;
  /** Live runs not yet ended (a run outlives its socket while it flushes). */
  readonly activeRuns: number;
  /** Stops accepting, closes every socket with 1001, lets live runs end, resolves when all ended. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

/** A WebSocket endpoint for live conversations, for the `upgrade` event of any Node HTTP(S) server. */
export function createLiveBridge(options: LiveBridgeOptions): LiveBridge {
  if (typeof options?.runner?.runLive !== 'function') {
    throw new InvalidArgumentError('runner must be a Runner', { field: 'runner' });
  }
  if (typeof options.authenticate !== 'function') {
    throw new InvalidArgumentError('authenticate(request) is required: identity comes only from it', {
      field: 'authenticate',
    });
  }
  const limits = resolveLimits(options.limits);
  const path = options.path ?? '/live';
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const telemetry = new BridgeTelemetry(options.telemetry);
  const report = (error: Error, context: { userId?: string; sessionId?: string }) => {
    telemetry.error(error);
    try {
      options.onError?.(error, context);
    } catch {
      // The app's logger failing must not take the bridge down with it.
    }
  };
  const sockets = new Set<WebSocket>();
  const conversations = new Set<Conversation>();
  const bySession = new Map<string, Conversation>();
  const perUser = new Map<string, number>();
  let upgrading = 0;
  let closed = false;

  const runConfigFor = (userId: string, sessionId: string) =>
    typeof options.runConfig === 'function' ? options.runConfig({ userId, sessionId }) : options.runConfig;

  function accept(ws: WebSocket, request: IncomingMessage, userId: string): void {
    sockets.add(ws);
    ws.once('close', () => sockets.delete(ws));
    const context: { userId: string; sessionId?: string } = { userId };
    // Errors before a conversation owns the socket (it adds its own handler).
    const early = (error: Error) => report(error, context);
    ws.on('error', early);
    const closeNow = (code: number, reason: string) => {
      telemetry.refused(code);
      ws.close(code, closeReason(reason));
      setTimeout(() => ws.terminate(), limits.closeTimeoutMs).unref();
    };
    if (closed) {
      closeNow(BRIDGE_CLOSE_CODES.goingAway, 'server shutting down');
      return;
    }
    const open = perUser.get(userId) ?? 0;
    if (open >= limits.maxConnectionsPerUser) {
      const message = `user has ${open} open connections (limit ${limits.maxConnectionsPerUser})`;
      report(
        new BridgeLimitError(message, 'maxConnectionsPerUser', BRIDGE_CLOSE_CODES.tooManyConnections),
        context,
      );
      closeNow(BRIDGE_CLOSE_CODES.tooManyConnections, message);
      return;
    }
    const requested = new URL(request.url ?? '/', 'http://localhost').searchParams.get('session');
    let sessionId: string;
    try {
      sessionId = requested === null ? randomUUID() : validateId('session', requested);
    } catch (error) {
      report(error as Error, context);
      closeNow(BRIDGE_CLOSE_CODES.invalidSession, (error as Error).message);
      return;
    }
    context.sessionId = sessionId;
    ws.off('error', early);
    perUser.set(userId, open + 1);
    const key = JSON.stringify([userId, sessionId]);
    const previous = bySession.get(key);
    // The newest socket on a session wins (a reloaded page, a reconnect before the old socket died).
    previous?.close(BRIDGE_CLOSE_CODES.replaced, 'this session was opened on another connection');
    // The run's spans nest under the connection's span.
    const spanContext = telemetry.accepted(ws, sessionId);
    const conversation = otelContext.with(
      spanContext,
      () =>
        new Conversation({
          ws,
          runner: options.runner,
          userId,
          sessionId,
          limits,
          runConfig: runConfigFor(userId, sessionId),
          previous: previous?.ended,
          report: (error) => report(error, context),
        }),
    );
    conversations.add(conversation);
    bySession.set(key, conversation);
    ws.once('close', () => {
      const left = (perUser.get(userId) ?? 1) - 1;
      if (left === 0) perUser.delete(userId);
      else perUser.set(userId, left);
    });
    void conversation.ended.then(() => {
      conversations.delete(conversation);
      if (bySession.get(key) === conversation) bySession.delete(key);
    });
  }

  async function authenticateThenAccept(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    const onSocketError = (error: Error) => report(error, {});
    socket.on('error', onSocketError);
    let userId: string;
    try {
      const identity = await withTimeout(
        Promise.resolve(options.authenticate(request)),
        limits.authTimeoutMs,
      );
      if (identity === TIMED_OUT) {
        refuseUpgrade(socket, 503, `authentication did not answer within ${limits.authTimeoutMs} ms`);
        return;
      }
      userId = validateId('userId', identity?.userId);
    } catch {
      refuseUpgrade(socket, 401, 'authentication failed');
      return;
    } finally {
      upgrading--;
    }
    if (socket.destroyed) return;
    if (closed) {
      refuseUpgrade(socket, 503, 'server shutting down');
      return;
    }
    socket.off('error', onSocketError);
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request, userId));
  }

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    let pathname: string;
    try {
      pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      return false;
    }
    if (pathname !== path) return false;
    if (closed) {
      refuseUpgrade(socket, 503, 'server shutting down');
      return true;
    }
    if (!originAllowed(request, options.allowedOrigins)) {
      refuseUpgrade(socket, 403, 'origin not allowed');
      return true;
    }
    if (sockets.size + upgrading >= limits.maxConnections) {
      const message = `server is at its connection limit (${limits.maxConnections})`;
      report(new BridgeLimitError(message, 'maxConnections', 503), {});
      refuseUpgrade(socket, 503, message);
      return true;
    }
    upgrading++;
    void authenticateThenAccept(request, socket, head).catch((error: unknown) => {
      report(error instanceof Error ? error : new Error(String(error)), {});
      socket.destroy();
    });
    return true;
  };

  return {
    handleUpgrade,
    get connections() {
      return sockets.size;
    },
    get activeRuns() {
      return conversations.size;
    },
    async close({ timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS } = {}) {
      closed = true;
      for (const conversation of conversations)
        conversation.close(BRIDGE_CLOSE_CODES.goingAway, 'server shutting down');
      for (const ws of sockets) ws.close(BRIDGE_CLOSE_CODES.goingAway, 'server shutting down');
      const all = Promise.all([...conversations].map((c) => c.ended));
      const outcome = await withTimeout(all, timeoutMs);
      for (const ws of sockets) ws.terminate();
      if (outcome === TIMED_OUT) {
        report(
          new Error(`${conversations.size} live runs did not end within ${timeoutMs} ms of close()`),
          {},
        );
      }
    },
  };
}

const TIMED_OUT = Symbol('timed out');

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
