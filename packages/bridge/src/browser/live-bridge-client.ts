import {
  type ErrorFrame,
  type EventFrame,
  type HistoryFrame,
  type ImageMimeType,
  NO_RECONNECT_CLOSE_CODES,
  type ServerFrame,
  type SessionFrame,
} from '../protocol.js';
import { Emitter } from './emitter.js';
import { BridgeClientError } from './errors.js';
import { blobToBase64 } from './image.js';
import { Microphone } from './microphone.js';
import { Playback } from './playback.js';

export type BridgeClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ReconnectOptions {
  /** Attempts after a drop before giving up (default 8). */
  maxAttempts?: number;
  /** First delay; doubles per attempt, with jitter (default 500 ms). */
  baseDelayMs?: number;
  /** Longest delay (default 10 000 ms). */
  maxDelayMs?: number;
}

export interface LiveBridgeClientOptions {
  /** ws(s) URL of the endpoint incl. the app's query (e.g. token); the client adds/keeps `session`. */
  url: string | URL;
  /** Resume this session. */
  sessionId?: string;
  /** Default push-to-talk; hands-free streams the microphone continuously (server VAD). */
  mode?: 'push-to-talk' | 'hands-free';
  /** Reconnects resume the same sessionId. Default on ({}); false never reconnects. */
  reconnect?: false | ReconnectOptions;
  /** Microphone frame duration, 20–40 ms (default 40). */
  frameMs?: number;
  /** A shared AudioContext (else the client makes one at the device rate). */
  audioContext?: AudioContext;
}

export interface BridgeClientEvents {
  state: { state: BridgeClientState; code?: number; reason?: string };
  session: SessionFrame;
  history: HistoryFrame;
  event: EventFrame;
  error: ErrorFrame;
  /** Microphone level per frame, 0..1 (for a level meter). */
  level: { rms: number; peak: number };
  /** Model audio scheduled (playing, with what is queued) or stopped. */
  playback: { playing: boolean; queuedMs: number };
}

/** Microphone frames are dropped rather than queued without bound on a congested socket. */
const MAX_SOCKET_BUFFER_BYTES = 256 * 1024;

/**
 * The browser side of @earshot/bridge: one WebSocket to the bridge, the microphone through an
 * AudioWorklet (16 kHz PCM16 up), gap-free model speech (24 kHz down) that stops at once on
 * `interrupted`, push-to-talk or hands-free, reconnect-and-resume on the same session.
 */
export class LiveBridgeClient {
  private readonly emitter = new Emitter<BridgeClientEvents>();
  private readonly options: LiveBridgeClientOptions;
  private readonly frameMs: number;
  private readonly mode: 'push-to-talk' | 'hands-free';
  private currentState: BridgeClientState = 'idle';
  private currentSessionId: string | undefined;
  private ws: WebSocket | undefined;
  private context: AudioContext | undefined;
  private playback: Playback | undefined;
  private mic: Microphone | undefined;
  private talking = false;
  /** Sending the tail of a push-to-talk press: frames still go out until the flush marker. */
  private draining = 0;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closedByUser = false;
  /** Rejects the promise of the `connect()` in progress (close() before the session frame). */
  private abandonConnect: ((error: BridgeClientError) => void) | undefined;

  constructor(options: LiveBridgeClientOptions) {
    if (!options || (typeof options.url !== 'string' && !(options.url instanceof URL))) {
      throw new BridgeClientError('invalid_argument', 'options.url is required');
    }
    const frameMs = options.frameMs ?? 40;
    if (!(frameMs >= 20 && frameMs <= 40)) {
      throw new BridgeClientError('invalid_argument', `frameMs must be between 20 and 40, got ${frameMs}`);
    }
    this.options = options;
    this.frameMs = frameMs;
    this.mode = options.mode ?? 'push-to-talk';
    this.currentSessionId = options.sessionId;
    this.context = options.audioContext;
  }

  get state(): BridgeClientState {
    return this.currentState;
  }

  get sessionId(): string | undefined {
    return this.currentSessionId;
  }

  on<K extends keyof BridgeClientEvents>(
    type: K,
    listener: (payload: BridgeClientEvents[K]) => void,
  ): () => void {
    return this.emitter.on(type, listener);
  }

  /** Opens the socket; resolves on the server's `session` frame, rejects if the socket closes first. */
  connect(): Promise<void> {
    if (
      this.currentState === 'open' ||
      this.currentState === 'connecting' ||
      this.currentState === 'reconnecting'
    ) {
      return Promise.reject(new BridgeClientError('invalid_argument', `already ${this.currentState}`));
    }
    this.closedByUser = false;
    this.attempts = 0;
    this.audio(); // created inside the user's gesture where there is one (autoplay policies)
    return this.open('connecting');
  }

  async startMicrophone(constraints?: MediaTrackConstraints): Promise<void> {
    if (this.mic) return;
    const context = this.audio();
    if (context.state === 'suspended') await context.resume();
    this.mic = await Microphone.start(context, this.frameMs, constraints, {
      frame: (pcm) => this.onMicFrame(pcm),
      level: (rms, peak) => this.emitter.emit('level', { rms, peak }),
    });
  }

  stopMicrophone(): void {
    if (this.talking) this.stopTalking();
    this.mic?.stop();
    this.mic = undefined;
  }

  /** Push-to-talk down: `activityStart`, then microphone frames flow. Ignored when not open. */
  startTalking(): void {
    if (this.talking || !this.isOpen()) return;
    if (this.draining > 0) {
      // A new press before the last one's tail was sent: end that turn now.
      this.draining = 0;
      this.sendJson({ type: 'activityEnd' });
    }
    this.mic?.reset();
    this.talking = true;
    this.stopPlayback();
    this.sendJson({ type: 'activityStart' });
  }

  /** Push-to-talk up: the audio captured so far, then `activityEnd`. */
  stopTalking(): void {
    if (!this.talking) return;
    this.talking = false;
    if (!this.mic) {
      if (this.isOpen()) this.sendJson({ type: 'activityEnd' });
      return;
    }
    const press = ++this.draining;
    void this.mic.flush().then(() => {
      if (this.draining !== press) return;
      this.draining = 0;
      if (this.isOpen()) this.sendJson({ type: 'activityEnd' });
    });
  }

  /** A typed user turn. Throws `BridgeClientError('not_open')` unless the socket is open. */
  sendText(text: string): void {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new BridgeClientError('invalid_argument', 'text must be a non-empty string');
    }
    this.assertOpen();
    this.sendJson({ type: 'text', text });
  }

  /** A still frame (camera, screen): JPEG or PNG. Throws `not_open` unless the socket is open. */
  async sendImage(image: Blob | { mimeType: string; data: string }): Promise<void> {
    this.assertOpen();
    const mimeType = image instanceof Blob ? image.type : image.mimeType;
    if (mimeType !== 'image/jpeg' && mimeType !== 'image/png') {
      throw new BridgeClientError(
        'invalid_argument',
        `images must be image/jpeg or image/png, got ${mimeType}`,
      );
    }
    const data = image instanceof Blob ? await blobToBase64(image) : image.data;
    this.assertOpen();
    this.sendJson({ type: 'image', mimeType: mimeType as ImageMimeType, data });
  }

  stopPlayback(): void {
    this.playback?.stop();
  }

  /** Closes for good: no reconnect; the microphone and playback stop. */
  close(): void {
    this.closedByUser = true;
    clearTimeout(this.retryTimer);
    this.stopMicrophone();
    this.stopPlayback();
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState < WebSocket.CLOSING) ws.close(1000, 'client closed');
    this.abandonConnect?.(
      new BridgeClientError('connect_failed', 'close() was called before the session opened'),
    );
    this.abandonConnect = undefined;
    this.setState('closed');
  }

  private open(state: 'connecting' | 'reconnecting'): Promise<void> {
    this.setState(state);
    const ws = new WebSocket(this.urlWithSession());
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    let opened = false;
    return new Promise<void>((resolve, reject) => {
      this.abandonConnect = reject;
      ws.onmessage = (message: MessageEvent) => {
        if (this.ws !== ws) return;
        if (typeof message.data !== 'string') {
          this.player().enqueue(message.data as ArrayBuffer);
          return;
        }
        const frame = parseServerFrame(message.data);
        if (frame === undefined) return;
        if (frame.type === 'session') {
          opened = true;
          this.abandonConnect = undefined;
          this.attempts = 0;
          this.currentSessionId = frame.sessionId;
          this.setState('open');
          this.emitter.emit('session', frame);
          resolve();
          return;
        }
        this.onFrame(frame);
      };
      ws.onclose = (event: CloseEvent) => {
        if (this.ws !== ws) return;
        this.ws = undefined;
        this.talking = false;
        this.draining = 0;
        if (!opened) {
          const error = new BridgeClientError(
            'connect_failed',
            `the bridge closed before the session opened (${event.code}${event.reason ? `: ${event.reason}` : ''})`,
            event.code,
          );
          this.abandonConnect = undefined;
          if (state === 'reconnecting' && this.scheduleReconnect(event.code)) return;
          this.setState('closed', event.code, event.reason);
          reject(error);
          return;
        }
        this.stopPlayback();
        if (!this.scheduleReconnect(event.code)) this.setState('closed', event.code, event.reason);
      };
    });
  }

  /** True when a reconnect was scheduled. */
  private scheduleReconnect(code: number): boolean {
    const reconnect = this.options.reconnect ?? {};
    if (reconnect === false || this.closedByUser || NO_RECONNECT_CLOSE_CODES.includes(code)) return false;
    const maxAttempts = reconnect.maxAttempts ?? 8;
    if (this.attempts >= maxAttempts) return false;
    this.attempts++;
    const base = reconnect.baseDelayMs ?? 500;
    const max = reconnect.maxDelayMs ?? 10_000;
    const delay = Math.min(max, base * 2 ** (this.attempts - 1)) * (0.5 + Math.random() / 2);
    this.setState('reconnecting', code);
    this.retryTimer = setTimeout(() => {
      // Failures are handled by the socket's close handler (next attempt or 'closed').
      if (!this.closedByUser) this.open('reconnecting').catch(() => {});
    }, delay);
    return true;
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'history':
        this.emitter.emit('history', frame);
        return;
      case 'event':
        if (frame.event.interrupted) this.stopPlayback();
        this.emitter.emit('event', frame);
        return;
      case 'error':
        this.emitter.emit('error', frame);
        return;
      default:
        return;
    }
  }

  private onMicFrame(pcm: ArrayBuffer): void {
    const sending = this.mode === 'hands-free' || this.talking || this.draining > 0;
    const ws = this.ws;
    if (!sending || !ws || !this.isOpen()) return;
    if (ws.bufferedAmount > MAX_SOCKET_BUFFER_BYTES) return;
    ws.send(pcm);
  }

  private sendJson(frame: object): void {
    this.ws?.send(JSON.stringify(frame));
  }

  private isOpen(): boolean {
    return this.currentState === 'open' && this.ws?.readyState === WebSocket.OPEN;
  }

  private assertOpen(): void {
    if (!this.isOpen())
      throw new BridgeClientError('not_open', `the bridge connection is ${this.currentState}`);
  }

  private audio(): AudioContext {
    this.context ??= new AudioContext();
    return this.context;
  }

  private player(): Playback {
    this.playback ??= new Playback(this.audio(), (playing, queuedMs) =>
      this.emitter.emit('playback', { playing, queuedMs }),
    );
    return this.playback;
  }

  private setState(state: BridgeClientState, code?: number, reason?: string): void {
    if (this.currentState === state && code === undefined) return;
    this.currentState = state;
    const payload: BridgeClientEvents['state'] = { state };
    if (code !== undefined) payload.code = code;
    if (reason) payload.reason = reason;
    this.emitter.emit('state', payload);
  }

  private urlWithSession(): string {
    const base = typeof location === 'undefined' ? undefined : location.href;
    const url = new URL(String(this.options.url), base);
    if (url.protocol === 'http:') url.protocol = 'ws:';
    else if (url.protocol === 'https:') url.protocol = 'wss:';
    if (this.currentSessionId !== undefined) url.searchParams.set('session', this.currentSessionId);
    return url.toString();
  }
}

function parseServerFrame(text: string): ServerFrame | undefined {
  try {
    const frame = JSON.parse(text) as ServerFrame;
    return frame !== null && typeof frame === 'object' && typeof frame.type === 'string' ? frame : undefined;
  } catch {
    return undefined;
  }
}
