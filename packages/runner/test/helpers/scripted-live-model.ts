import type { Content, FunctionResponse, LiveConnectConfig } from '@google/genai';
import type {
  LiveCloseInfo,
  LiveConnection,
  LiveConnectionListener,
  LiveConnectRequest,
  LiveModel,
  LiveModelMessage,
  LiveRealtimeInput,
} from '../../src/connection/live-model.js';
import { waitUntil } from './wait.js';

export type SentItem =
  | { kind: 'realtime'; input: LiveRealtimeInput }
  | { kind: 'content'; turns: Content[]; turnComplete: boolean }
  | { kind: 'toolResponse'; functionResponses: FunctionResponse[] };

/** A socket-free connection: the test plays the server through `receive` / `drop`. */
export class ScriptedConnection implements LiveConnection {
  readonly sent: SentItem[] = [];
  closeCalls = 0;
  private closed = false;

  constructor(
    readonly config: LiveConnectConfig,
    private readonly listener: LiveConnectionListener,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  sendRealtimeInput(input: LiveRealtimeInput): void {
    if (!this.closed) this.sent.push({ kind: 'realtime', input });
  }

  sendClientContent(request: { turns: Content[]; turnComplete: boolean }): void {
    if (!this.closed) this.sent.push({ kind: 'content', ...request });
  }

  sendToolResponse(request: { functionResponses: FunctionResponse[] }): void {
    if (!this.closed) this.sent.push({ kind: 'toolResponse', ...request });
  }

  close(): void {
    this.closeCalls += 1;
    this.closed = true;
  }

  /** The server sends a message (as a frame parsed by an adapter would arrive). */
  receive(...messages: object[]): void {
    for (const message of messages) this.listener.onMessage(message as LiveModelMessage);
  }

  protocolError(error: Parameters<LiveConnectionListener['onProtocolError']>[0]): void {
    this.listener.onProtocolError(error);
  }

  /** The connection goes away without the client asking. */
  drop(info: Partial<LiveCloseInfo> = {}): void {
    this.closed = true;
    this.listener.onClose({ code: 1006, reason: '', closedByClient: false, ...info });
  }

  async waitForSent(predicate: (item: SentItem) => boolean, timeoutMs = 10_000): Promise<SentItem> {
    await waitUntil(() => this.sent.some(predicate), { timeoutMs, what: 'a sent item' });
    return this.sent.find(predicate) as SentItem;
  }
}

/** A `LiveModel` whose connections the test drives by hand. */
export class ScriptedLiveModel implements LiveModel {
  readonly model = 'scripted-live-model';
  readonly connections: ScriptedConnection[] = [];
  readonly requests: LiveConnectRequest[] = [];
  /** When set, the next connect rejects with it. */
  failNextConnect: Error | undefined;
  /** Each connect takes the first of these (if any) and rejects with it. */
  readonly failConnects: Error[] = [];
  /** While set, connects wait for it (a reconnect in progress). */
  gate: Promise<void> | undefined;

  async connect(request: LiveConnectRequest): Promise<LiveConnection> {
    this.requests.push(request);
    await this.gate;
    const failure = this.failConnects.shift();
    if (failure) throw failure;
    if (this.failNextConnect) {
      const error = this.failNextConnect;
      this.failNextConnect = undefined;
      throw error;
    }
    const connection = new ScriptedConnection(request.config, request.listener);
    this.connections.push(connection);
    return connection;
  }

  async nextConnection(index = 0, timeoutMs = 10_000): Promise<ScriptedConnection> {
    await waitUntil(() => this.connections.length > index, { timeoutMs, what: `connection #${index}` });
    return this.connections[index] as ScriptedConnection;
  }
}
