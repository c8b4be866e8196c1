import { LiveConnectionError, LiveProtocolError } from '@earshot/core';
import { GoogleGenAI, type HttpOptions, type LiveServerMessage, type Session } from '@google/genai';
import type {
  LiveCloseInfo,
  LiveConnection,
  LiveConnectionListener,
  LiveConnectRequest,
  LiveModel,
  LiveRealtimeInput,
} from './live-model.js';
import { realtimeFrame } from './realtime-frame.js';
import { installSocketGuard, registerSocketGuardHooks, type SdkSocket } from './sdk-socket-guard.js';

export interface GeminiLiveModelOptions {
  /** e.g. `gemini-live-2.5-flash-preview`. */
  model: string;
  apiKey?: string;
  vertexai?: boolean;
  project?: string;
  location?: string;
  /** `baseUrl` points the SDK elsewhere (e.g. a `FakeLiveServer`); `apiVersion` pins the URL. */
  httpOptions?: HttpOptions;
  /** A ready client; the other connection options are then ignored. */
  client?: GoogleGenAI;
  /** After `close()`, force the socket down if the server has not finished the close handshake. */
  closeGraceMs?: number;
}

const DEFAULT_CLOSE_GRACE_MS = 2_000;
const WS_CLOSING = 2;
const WS_CLOSED = 3;

/** `LiveModel` over `@google/genai` `live.connect` (Gemini API or Vertex AI). */
export class GeminiLiveModel implements LiveModel {
  readonly model: string;
  /** `gcp.vertex_ai` in Vertex AI mode, else `gcp.gemini` (GenAI semantic conventions). */
  readonly provider: string;
  private readonly options: GeminiLiveModelOptions;
  private client: GoogleGenAI | undefined;

  constructor(options: GeminiLiveModelOptions) {
    if (typeof options?.model !== 'string' || options.model.length === 0) {
      throw new LiveConnectionError('GeminiLiveModel needs a model name');
    }
    this.model = options.model;
    const vertex = options.vertexai ?? options.client?.vertexai ?? false;
    this.provider = vertex ? 'gcp.vertex_ai' : 'gcp.gemini';
    this.options = options;
    this.client = options.client;
  }

  async connect({ config, listener, timeoutMs }: LiveConnectRequest): Promise<LiveConnection> {
    const client = this.sdkClient();
    installSocketGuard(client);
    const connection = new GeminiLiveConnection({
      listener,
      closeGraceMs: this.options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
    });
    return connection.open({ client, model: this.model, config, timeoutMs });
  }

  // Created on first use: a missing API key should fail the connect, not the agent definition.
  private sdkClient(): GoogleGenAI {
    if (!this.client) {
      const { apiKey, vertexai, project, location, httpOptions } = this.options;
      try {
        this.client = new GoogleGenAI({ apiKey, vertexai, project, location, httpOptions });
      } catch (error) {
        throw new LiveConnectionError(`cannot create the Gemini client: ${messageOf(error)}`, {
          cause: error,
        });
      }
    }
    return this.client;
  }
}

type Phase = 'connecting' | 'open' | 'closed';

/** One SDK session plus the bookkeeping the SDK lacks: close state, setup timeout, forced close. */
class GeminiLiveConnection implements LiveConnection {
  private readonly listener: LiveConnectionListener;
  private readonly closeGraceMs: number;
  private phase: Phase = 'connecting';
  private session: Session | undefined;
  private socket: SdkSocket | undefined;
  private closeRequested = false;
  /** Gemini API mode: frames go both ways without the SDK's field mappers (Vertex AI needs them). */
  private direct = false;
  private lastError: unknown;
  /**
   * Gemini API mode: frames that arrived after the server's setupComplete and before the SDK's
   * connect() resolved. The SDK would queue them in an array it replays but never clears, so
   * each would stay alive, base64 audio and all, for the connection's whole life. Kept here
   * instead and handed on right after setupComplete: arrival order is unchanged. It can only
   * fill for the microtasks between the two, i.e. with the rest of one socket read.
   */
  private early: Record<string, unknown>[] | undefined;
  private sawSetupComplete = false;
  private failConnect: (error: LiveConnectionError) => void = () => {};

  constructor({ listener, closeGraceMs }: { listener: LiveConnectionListener; closeGraceMs: number }) {
    this.listener = listener;
    this.closeGraceMs = closeGraceMs;
  }

  get isClosed(): boolean {
    // CLOSING counts as closed: `ws` silently drops what is sent once the server's close frame
    // arrived, so input sent then must wait for the next connection instead.
    const readyState = this.socket?.ws?.readyState;
    return (
      this.phase === 'closed' || this.closeRequested || (readyState !== undefined && readyState >= WS_CLOSING)
    );
  }

  async open(request: {
    client: GoogleGenAI;
    model: string;
    config: LiveConnectRequest['config'];
    timeoutMs: number;
  }): Promise<LiveConnection> {
    const onerror = (event: unknown) => this.handleError(event);
    // Vertex AI messages go through the SDK's field mappers; Gemini API messages are used as
    // sent, and media chunks are sent as frames built here (`realtimeFrame`).
    this.direct = !request.client.vertexai;
    registerSocketGuardHooks(onerror, {
      onSocket: (socket) => {
        this.socket = socket;
      },
      onMalformedFrame: (description) => this.listener.onProtocolError(new LiveProtocolError(description)),
      onParsedFrame: (message) => {
        if (!this.direct) return false;
        if (this.phase === 'open' && this.session !== undefined) {
          this.listener.onMessage(message);
          return true;
        }
        if (message.setupComplete !== undefined) this.sawSetupComplete = true;
        else if (this.sawSetupComplete && this.phase === 'connecting') {
          this.early ??= [];
          this.early.push(message);
          return true;
        }
        return false;
      },
    });
    const failed = new Promise<never>((_, reject) => {
      this.failConnect = reject;
    });
    const timer = setTimeout(
      () => this.failConnect(new LiveConnectionError(`no setupComplete within ${request.timeoutMs} ms`)),
      request.timeoutMs,
    );
    try {
      const connecting = request.client.live.connect({
        model: request.model,
        config: request.config,
        callbacks: {
          onmessage: (message: LiveServerMessage) => this.handleMessage(message),
          onerror,
          onclose: (event: unknown) => this.handleClose(event),
        },
      });
      // If we give up first, a late rejection of the SDK's promise must not go unhandled.
      connecting.catch(() => {});
      this.session = await Promise.race([connecting, failed]);
      if (this.phase === 'connecting') this.phase = 'open';
      return this;
    } catch (error) {
      this.phase = 'closed';
      this.forceClose();
      throw error instanceof LiveConnectionError
        ? error
        : new LiveConnectionError(`live connect failed: ${messageOf(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  sendRealtimeInput(input: LiveRealtimeInput): void {
    if (this.isClosed || this.session === undefined) return;
    const frame = this.direct ? realtimeFrame(input) : undefined;
    if (frame !== undefined && this.socket !== undefined) this.socket.send(frame);
    else this.session.sendRealtimeInput(input);
  }

  sendClientContent(request: Parameters<LiveConnection['sendClientContent']>[0]): void {
    if (!this.isClosed) this.session?.sendClientContent(request);
  }

  sendToolResponse(request: Parameters<LiveConnection['sendToolResponse']>[0]): void {
    if (!this.isClosed) this.session?.sendToolResponse(request);
  }

  close(): void {
    if (this.closeRequested) return;
    this.closeRequested = true;
    if (this.phase === 'closed') return;
    this.forceClose();
  }

  private handleMessage(message: LiveServerMessage): void {
    // setupComplete is seen (and queued messages flushed) before connect() resolves.
    if (message.setupComplete && this.phase === 'connecting') this.phase = 'open';
    this.listener.onMessage(message);
    const early = this.early;
    if (early !== undefined && this.phase === 'open') {
      this.early = undefined;
      for (const frame of early) this.listener.onMessage(frame);
    }
  }

  private handleError(event: unknown): void {
    this.lastError = event;
    if (this.phase === 'connecting') {
      this.failConnect(
        new LiveConnectionError(`live connection failed: ${messageOf(event)}`, { cause: event }),
      );
    }
  }

  private handleClose(event: unknown): void {
    const code = numberField(event, 'code');
    const reason = stringField(event, 'reason') ?? '';
    const previous = this.phase;
    this.phase = 'closed';
    if (previous === 'connecting') {
      const detail = reason ? `: ${reason}` : '';
      this.failConnect(
        new LiveConnectionError(`live connection closed before setup completed (code ${code})${detail}`, {
          closeCode: code,
          cause: this.lastError,
        }),
      );
      return;
    }
    if (previous === 'closed') return;
    const info: LiveCloseInfo = { code, reason, closedByClient: this.closeRequested };
    if (this.lastError !== undefined) info.error = this.lastError;
    this.listener.onClose(info);
  }

  /** Starts the close handshake; if the peer never completes it, drops the socket after a grace period. */
  private forceClose(): void {
    const socket = this.socket;
    try {
      if (this.session) this.session.close();
      else socket?.close();
    } catch {
      // Closing a socket that never connected throws in the SDK; there is nothing left to close.
    }
    const ws = socket?.ws;
    if (!ws || typeof ws.terminate !== 'function') return;
    const timer = setTimeout(() => {
      if (ws.readyState !== WS_CLOSED) ws.terminate?.();
    }, this.closeGraceMs);
    timer.unref();
  }
}

function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  const message = stringField(value, 'message');
  if (message) return message;
  const error = value !== null && typeof value === 'object' ? Reflect.get(value, 'error') : undefined;
  if (error instanceof Error) return error.message;
  return String(value);
}

function numberField(value: unknown, key: string): number | undefined {
  const field = value !== null && typeof value === 'object' ? Reflect.get(value, key) : undefined;
  return typeof field === 'number' ? field : undefined;
}

function stringField(value: unknown, key: string): string | undefined {
  const field = value !== null && typeof value === 'object' ? Reflect.get(value, key) : undefined;
  return typeof field === 'string' ? field : undefined;
}
