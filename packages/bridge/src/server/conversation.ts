import type { RunConfig } from '@earshot/core';
import { LiveRequestQueue, type Runner } from '@earshot/runner';
import type { RawData, WebSocket } from 'ws';
import {
  BRIDGE_CLOSE_CODES,
  BRIDGE_ERROR_CODES,
  BRIDGE_PROTOCOL,
  type BridgeErrorCode,
  type ErrorFrame,
  type EventFrame,
  type SessionFrame,
} from '../protocol.js';
import { closeReason } from './close-reason.js';
import { BridgeLimitError, BridgeProtocolError } from './errors.js';
import { forwardClientFrame } from './input.js';
import type { BridgeLimits } from './limits.js';
import { Outbox } from './outbox.js';
import { openSession } from './session-opening.js';
import { TokenBucket } from './token-bucket.js';
import { modelAudioOf, toWireEvent } from './wire-event.js';

export interface ConversationInit {
  ws: WebSocket;
  runner: Runner;
  userId: string;
  sessionId: string;
  limits: BridgeLimits;
  runConfig: Partial<RunConfig> | undefined;
  /** An older conversation on this session that was replaced: this run starts once it ended. */
  previous: Promise<void> | undefined;
  report: (error: Error) => void;
}

const asError = (value: unknown) => (value instanceof Error ? value : new Error(String(value)));
const asBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/**
 * One socket ↔ one live run. Client frames go into the run's queue; events come back as JSON
 * and model audio as binary frames through a bounded outbox. The run ends when the socket
 * closes (its queue is closed, so recordings flush) or by itself (the socket is then closed).
 */
export class Conversation {
  readonly userId: string;
  readonly sessionId: string;
  /** Resolves once the run ended and the socket is closed. Never rejects. */
  readonly ended: Promise<void>;

  private readonly ws: WebSocket;
  private readonly limits: BridgeLimits;
  private readonly queue = new LiveRequestQueue();
  private readonly outbox: Outbox;
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly socketClosed: Promise<void>;
  private lastFrameAt = performance.now();
  private alive = true;
  private pingTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly init: ConversationInit) {
    const { ws, limits } = init;
    this.ws = ws;
    this.limits = limits;
    this.userId = init.userId;
    this.sessionId = init.sessionId;
    this.messages = new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
    this.bytes = new TokenBucket(limits.bytesPerSecond, limits.maxFrameBytes * 2);
    this.outbox = new Outbox(ws, {
      maxBufferedBytes: limits.maxBufferedBytes,
      onOverflow: (buffered) =>
        this.breach(
          'maxBufferedBytes',
          BRIDGE_CLOSE_CODES.slowConsumer,
          `client reads too slowly: ${buffered} bytes pending toward it (limit ${limits.maxBufferedBytes})`,
        ),
      onWriteError: (error) => init.report(error),
    });
    this.socketClosed = new Promise((resolve) => {
      ws.once('close', () => {
        this.onSocketClosed();
        resolve();
      });
    });
    ws.on('error', (error) => init.report(error));
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    this.startTimers();
    this.ended = this.run().then(() => this.socketClosed);
  }

  /** Closes the socket with `code`; the run then ends as for any closed socket. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.queue.close();
    this.outbox.close();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, closeReason(reason));
    }
    // A client that does not answer the close frame (or reads nothing) is cut off.
    this.killTimer = setTimeout(() => this.ws.terminate(), this.limits.closeTimeoutMs);
    this.killTimer.unref();
  }

  private async run(): Promise<void> {
    const { runner, userId, sessionId, limits } = this.init;
    try {
      await this.init.previous;
      if (this.closing) return;
      const opened = await openSession(runner, userId, sessionId, limits);
      if (this.closing) return;
      const session: SessionFrame = {
        type: 'session',
        protocol: BRIDGE_PROTOCOL,
        userId,
        sessionId,
        created: opened.created,
      };
      this.outbox.sendJson(session);
      this.outbox.sendJson(opened.history);
      const events = runner.runLive({
        userId,
        sessionId,
        liveRequestQueue: this.queue,
        runConfig: this.init.runConfig,
      });
      const policy = runner.persistencePolicy;
      const runConfig = { saveLiveAudio: this.init.runConfig?.saveLiveAudio ?? false };
      for await (const event of events) {
        if (this.closing) continue; // keep draining: the run flushes its recordings on the way out
        const audio = modelAudioOf(event);
        if (audio !== undefined) {
          this.outbox.sendAudio(Buffer.from(audio, 'base64'));
          continue;
        }
        const { persist, rule } = policy(event, runConfig);
        const frame: EventFrame = { type: 'event', event: toWireEvent(event), rule, persisted: persist };
        this.outbox.sendJson(frame);
      }
      this.close(BRIDGE_CLOSE_CODES.normal, 'the live run ended');
    } catch (thrown) {
      const error = asError(thrown);
      this.init.report(error);
      if (!this.closing) {
        this.sendError(BRIDGE_ERROR_CODES.runFailed, error.message, true);
        this.close(BRIDGE_CLOSE_CODES.runFailed, 'the live run failed');
      }
    }
  }

  private onMessage(raw: RawData, isBinary: boolean): void {
    if (this.closing) return;
    this.lastFrameAt = performance.now();
    this.alive = true;
    const data = asBuffer(raw);
    if (!this.messages.take(1)) {
      const rate = `${this.limits.messagesPerSecond}/s (burst ${this.limits.messageBurst})`;
      this.breach('messagesPerSecond', BRIDGE_CLOSE_CODES.rateLimited, `more than ${rate} frames`);
      return;
    }
    if (!this.bytes.take(data.length)) {
      this.breach(
        'bytesPerSecond',
        BRIDGE_CLOSE_CODES.rateLimited,
        `more than ${this.limits.bytesPerSecond} bytes/s`,
      );
      return;
    }
    if (this.queue.pending >= this.limits.maxPendingInput) {
      const message = `${this.queue.pending} frames wait for the model (limit ${this.limits.maxPendingInput})`;
      this.breach('maxPendingInput', BRIDGE_CLOSE_CODES.inputBacklog, message);
      return;
    }
    try {
      forwardClientFrame(data, isBinary, this.queue, this.limits, (code, message) =>
        this.sendError(code, message, false),
      );
    } catch (thrown) {
      const error = asError(thrown);
      this.init.report(error);
      this.sendError(BRIDGE_ERROR_CODES.invalidArgument, error.message, false);
    }
  }

  private sendError(code: BridgeErrorCode, message: string, fatal: boolean): void {
    const frame: ErrorFrame = { type: 'error', code, message, fatal };
    this.outbox.sendJson(frame);
  }

  private breach(limit: string, code: number, message: string): void {
    if (this.closing) return;
    this.init.report(new BridgeLimitError(message, limit, code));
    this.close(code, message);
  }

  private startTimers(): void {
    const { pingIntervalMs, idleTimeoutMs } = this.limits;
    this.pingTimer = setInterval(() => {
      if (!this.alive) {
        this.init.report(new BridgeProtocolError(`no pong within ${pingIntervalMs} ms: connection dropped`));
        this.closing = true;
        this.queue.close();
        this.ws.terminate();
        return;
      }
      this.alive = false;
      this.ws.ping();
    }, pingIntervalMs);
    this.pingTimer.unref();
    if (idleTimeoutMs > 0) this.armIdleTimer(idleTimeoutMs);
  }

  /** One timer per conversation, re-armed for what is left rather than reset on every frame. */
  private armIdleTimer(delay: number): void {
    this.idleTimer = setTimeout(() => {
      const quiet = performance.now() - this.lastFrameAt;
      const limit = this.limits.idleTimeoutMs;
      if (quiet >= limit) {
        this.breach('idleTimeoutMs', BRIDGE_CLOSE_CODES.idle, `no frame from the client for ${limit} ms`);
      } else this.armIdleTimer(limit - quiet);
    }, delay);
    this.idleTimer.unref();
  }

  private onSocketClosed(): void {
    this.closing = true;
    this.queue.close();
    this.outbox.close();
    clearInterval(this.pingTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.killTimer);
  }
}
