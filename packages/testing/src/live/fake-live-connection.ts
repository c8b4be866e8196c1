import type { IncomingHttpHeaders } from 'node:http';
import { WebSocket } from 'ws';
import { audioBytesOf, parseClientFrame } from './client-frames.js';
import { FrameWaiters } from './frame-waiters.js';
import { playScript } from './script.js';
import { type FakeFunctionCall, liveServerFrames } from './server-frames.js';
import {
  declarationsOf,
  type FakeFunctionDeclaration,
  type FakeToolResponse,
  ToolResponseLog,
} from './tool-responses.js';
import type {
  FakeCloseInfo,
  FakeFrameEncoding,
  FakeProtocolError,
  FakeScriptStep,
  FakeWaitOptions,
  LiveClientFrame,
  LiveClientFramePredicate,
} from './types.js';

export interface FakeLiveConnectionInit {
  index: number;
  socket: WebSocket;
  url: string;
  headers: IncomingHttpHeaders;
  frames: FakeFrameEncoding;
  /** Called once, when the first `setup` frame arrived. */
  onSetup: (conn: FakeLiveConnection) => void;
}

/** A server frame that could not be delivered because the socket was not open. */
export interface FakeDroppedSend {
  data: string | Buffer;
  readyState: number;
}

/**
 * The server side of one accepted Live connection: records what the client sends and sends
 * server frames on demand. Never throws on a send to a closed socket: the frame is recorded in
 * `droppedSends` instead, since tests often race a server send against a client close.
 */
export class FakeLiveConnection {
  readonly index: number;
  /** Upgrade request path + query, as sent (the SDK's path starts with `//ws/`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The `key` query parameter (the Gemini API key), if any. */
  readonly apiKey: string | undefined;
  /** The API version named in the path (`v1beta`, `v1alpha`, …), if the path is the SDK's. */
  readonly apiVersion: string | undefined;
  /** The parsed `setup` object; undefined until the setup frame arrived. */
  setup: Record<string, unknown> | undefined;
  /** Every client frame after `setup`, parsed, in order. */
  readonly received: LiveClientFrame[] = [];
  /** Client frames that were not JSON objects (and non-setup frames sent before setup). */
  readonly protocolErrors: FakeProtocolError[] = [];
  /** Every server frame sent on this connection, as it went on the wire (setupComplete included). */
  readonly sent: Array<string | Buffer> = [];
  readonly droppedSends: FakeDroppedSend[] = [];
  /** Failures of planned scripts and `onConnection` handlers, and socket errors. */
  readonly errors: Error[] = [];
  /** Resolves once the socket has closed, however it closed. Never rejects. */
  readonly closed: Promise<FakeCloseInfo>;
  /**
   * Every resumption handle this connection issued, with how many client frames (after setup)
   * it had consumed then: the session behind the handle holds exactly those frames.
   */
  readonly issuedHandles = new Map<string, number>();
  /** Client frames (after setup) this connection had received when its socket closed. */
  consumedAtClose: number | undefined;
  /**
   * Function responses that break the declarations as the Live API reads them (undeclared
   * function, `scheduling` or `willContinue` on a blocking one, a response after a call's last).
   */
  readonly toolResponseErrors: FakeProtocolError[] = [];
  /** The functions the setup declared (empty until the setup frame arrived). */
  functionDeclarations: FakeFunctionDeclaration[] = [];

  private readonly socket: WebSocket;
  private readonly frames: FakeFrameEncoding;
  private readonly waiters: FrameWaiters;
  private readonly onSetup: (conn: FakeLiveConnection) => void;
  private closedByServer = false;
  private readonly toolLog: ToolResponseLog;

  constructor(init: FakeLiveConnectionInit) {
    this.index = init.index;
    this.socket = init.socket;
    this.url = init.url;
    this.headers = init.headers;
    this.frames = init.frames;
    this.onSetup = init.onSetup;
    const query = new URLSearchParams(init.url.split('?')[1] ?? '');
    this.apiKey = query.get('key') ?? undefined;
    this.apiVersion = /\.(v[0-9][a-z0-9]*)\./i.exec(init.url.split('?')[0] ?? '')?.[1];
    this.waiters = new FrameWaiters(this.received);
    this.toolLog = new ToolResponseLog(() => this.functionDeclarations, this.toolResponseErrors);
    this.closed = new Promise<FakeCloseInfo>((resolve) => {
      this.socket.once('close', (code: number, reason: Buffer) => {
        this.consumedAtClose = this.received.length;
        this.waiters.close(`socket closed (${code})`);
        resolve({ code, reason: reason.toString('utf8'), byClient: !this.closedByServer });
      });
    });
    this.socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    this.socket.on('error', (error) => this.errors.push(error));
  }

  /** True when the client asked for transparent resumption in its setup. */
  get transparent(): boolean {
    return (this.setup?.sessionResumption as { transparent?: unknown } | undefined)?.transparent === true;
  }

  /** The handle the client's setup resumed from, if any. */
  get resumedFrom(): string | undefined {
    const handle = (this.setup?.sessionResumption as { handle?: unknown } | undefined)?.handle;
    return typeof handle === 'string' ? handle : undefined;
  }

  /**
   * Every function response received, in order, with its `scheduling` and `willContinue`;
   * responses that break the declarations are also in `toolResponseErrors`.
   */
  get toolResponses(): readonly FakeToolResponse[] {
    return this.toolLog.responses;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Concatenation of every `realtimeInput.audio` payload received, base64-decoded, in order. */
  receivedAudio(): Buffer {
    const chunks: Buffer[] = [];
    for (const frame of this.received) {
      const bytes = audioBytesOf(frame);
      if (bytes !== undefined) chunks.push(bytes);
    }
    return Buffer.concat(chunks);
  }

  /** First frame matching `predicate`, already received or future; rejects on timeout or close. */
  waitFor(predicate: LiveClientFramePredicate, options?: FakeWaitOptions): Promise<LiveClientFrame> {
    return this.waiters.wait(predicate, options);
  }

  /** Sends one JSON server frame, as a text frame unless `binary` (default: the server's `frames`). */
  send(message: object, options: { binary?: boolean } = {}): void {
    const json = JSON.stringify(this.withConsumedIndex(message));
    const binary = options.binary ?? this.frames === 'binary';
    this.transmit(binary ? Buffer.from(json, 'utf8') : json);
  }

  /** Sends bytes as they are: a string as a text frame, a Buffer as a binary frame. */
  sendRaw(data: string | Buffer): void {
    this.transmit(data);
  }

  sendAudio(pcm: Buffer, options: { rate?: number } = {}): void {
    this.send(liveServerFrames.audio(pcm, options.rate));
  }
  sendText(text: string): void {
    this.send(liveServerFrames.text(text));
  }
  sendInputTranscription(text: string, options: { finished?: boolean } = {}): void {
    this.send(liveServerFrames.inputTranscription(text, options.finished));
  }
  sendOutputTranscription(text: string, options: { finished?: boolean } = {}): void {
    this.send(liveServerFrames.outputTranscription(text, options.finished));
  }
  sendTurnComplete(): void {
    this.send(liveServerFrames.turnComplete());
  }
  sendInterrupted(): void {
    this.send(liveServerFrames.interrupted());
  }
  sendGenerationComplete(): void {
    this.send(liveServerFrames.generationComplete());
  }
  sendToolCall(functionCalls: FakeFunctionCall[]): void {
    this.send(liveServerFrames.toolCall(functionCalls));
  }
  sendToolCallCancellation(ids: string[]): void {
    this.send(liveServerFrames.toolCallCancellation(ids));
  }
  sendUsage(usageMetadata: object): void {
    this.send(liveServerFrames.usage(usageMetadata));
  }
  /**
   * Issues a handle. On a transparent connection the update carries
   * `lastConsumedClientMessageIndex` (a decimal string): the frames received so far, unless given.
   */
  sendResumptionUpdate(
    newHandle: string,
    options: { resumable?: boolean; lastConsumedClientMessageIndex?: string } = {},
  ): void {
    const { resumable, lastConsumedClientMessageIndex: index } = options;
    this.send(liveServerFrames.resumptionUpdate(newHandle, resumable, index));
  }
  sendGoAway(timeLeft?: string): void {
    this.send(liveServerFrames.goAway(timeLeft));
  }

  /** Plays the steps in order; rejects with the first failing step. */
  play(steps: FakeScriptStep[]): Promise<void> {
    return playScript(this, steps);
  }

  /**
   * Clean close handshake with this code (1000, 1011, 1012, …). A no-op once the socket is
   * closing; throws only for a code the WebSocket protocol forbids on the wire (1005, 1006, …).
   */
  close(code = 1000, reason = ''): void {
    if (this.socket.readyState !== WebSocket.OPEN && this.socket.readyState !== WebSocket.CONNECTING) return;
    this.closedByServer = true;
    this.socket.close(code, reason);
  }

  /** Abrupt drop without a close frame: the client sees 1006. */
  terminate(): void {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.closedByServer = true;
    this.socket.terminate();
  }

  /**
   * Records a handle being issued (whichever way it is sent) and, on a transparent connection,
   * fills in the index of the last client frame consumed.
   */
  private withConsumedIndex(message: object): object {
    const update = (message as { sessionResumptionUpdate?: Record<string, unknown> }).sessionResumptionUpdate;
    if (typeof update?.newHandle !== 'string') return message;
    const given = update.lastConsumedClientMessageIndex;
    const consumed = given === undefined ? this.received.length : Number(given);
    if (this.socket.readyState === WebSocket.OPEN && update.resumable !== false)
      this.issuedHandles.set(update.newHandle, consumed);
    if (!this.transparent || given !== undefined) return message;
    return {
      ...message,
      sessionResumptionUpdate: { ...update, lastConsumedClientMessageIndex: String(consumed) },
    };
  }

  private transmit(data: string | Buffer): void {
    if (this.socket.readyState !== WebSocket.OPEN) {
      this.droppedSends.push({ data, readyState: this.socket.readyState });
      return;
    }
    this.sent.push(data);
    this.socket.send(data, { binary: typeof data !== 'string' }, (error) => {
      if (error) this.errors.push(error);
    });
  }

  private onFrame(data: Parameters<typeof parseClientFrame>[0], isBinary: boolean): void {
    const parsed = parseClientFrame(data);
    if (!parsed.ok) {
      this.protocolErrors.push({ message: parsed.message, raw: parsed.raw });
      return;
    }
    const { frame } = parsed;
    if (this.setup === undefined) {
      if (typeof frame.setup === 'object' && frame.setup !== null) {
        this.setup = frame.setup;
        this.functionDeclarations = declarationsOf(frame.setup);
        this.onSetup(this);
        return;
      }
      const kind = isBinary ? 'binary' : 'text';
      this.protocolErrors.push({ message: `${kind} frame before setup`, raw: JSON.stringify(frame) });
      return;
    }
    this.received.push(frame);
    if (frame.toolResponse !== undefined) this.toolLog.record(frame, this.received.length - 1);
    this.waiters.offer(frame, this.received.length - 1);
  }
}
