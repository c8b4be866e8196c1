import { createServer, type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { FakeLiveConnection } from './fake-live-connection.js';
import { ReadyConnections } from './ready-connections.js';
import { answerSetup, asError } from './setup-handshake.js';
import type { FakeConnectionPlan, FakeFrameEncoding, LiveClientFrame } from './types.js';

export interface FakeLiveServerOptions {
  /** Encoding of every JSON frame the server sends unless a send says otherwise (default 'text'). */
  frames?: FakeFrameEncoding;
  /** Plan for connections that no `planConnection()` call covers (default: accept normally). */
  defaultPlan?: FakeConnectionPlan;
}

export type FakeConnectionHandler = (conn: FakeLiveConnection) => void | Promise<void>;

/** An upgrade request the server refused because its plan said `rejectUpgradeStatus`. */
export interface FakeRejectedUpgrade {
  url: string;
  headers: IncomingMessage['headers'];
  status: number;
}

/**
 * A Gemini Live `BidiGenerateContent` server on 127.0.0.1 for tests: the real `@google/genai`
 * SDK connects to it through `httpOptions.baseUrl`. Any path is accepted (the SDK's path, its
 * `//ws/` double slash and its API version vary between SDK majors).
 */
export class FakeLiveServer {
  /** Every accepted connection, in accept order (rejected upgrades are not connections). */
  readonly connections: FakeLiveConnection[] = [];
  readonly rejectedUpgrades: FakeRejectedUpgrade[] = [];

  private readonly plans: FakeConnectionPlan[] = [];
  private readonly handlers: FakeConnectionHandler[] = [];
  private readonly ready = new ReadyConnections();
  private readonly sockets = new Set<Socket>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly http: Server,
    readonly port: number,
    private readonly options: FakeLiveServerOptions,
  ) {
    http.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    http.on('upgrade', (request, socket, head) => this.onUpgrade(request, socket, head));
    http.on('request', (_request, response) => {
      response.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket upgrade required\n');
    });
  }

  static async start(options: FakeLiveServerOptions = {}): Promise<FakeLiveServer> {
    const http = createServer();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    return new FakeLiveServer(http, (http.address() as AddressInfo).port, options);
  }

  /** The `httpOptions.baseUrl` to give the SDK. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Failures recorded on any connection (scripts, handlers, socket errors). */
  get errors(): Error[] {
    return this.connections.flatMap((conn) => conn.errors);
  }

  /**
   * The client frames the Gemini session behind `conn` (default: the newest connection) holds,
   * in order, as a resumable session would: a connection that resumed from a handle starts with
   * what that handle's session held (the frames its connection had consumed when it issued the
   * handle, after that connection's own start), then adds every frame it received itself. Frames
   * a connection received after the handle the next one resumed from are not in it: that is
   * what a drop loses unless the client sends them again.
   */
  sessionHistory(conn: FakeLiveConnection | undefined = this.connections.at(-1)): LiveClientFrame[] {
    const segments: LiveClientFrame[][] = [];
    let current = conn;
    let upTo = Number.POSITIVE_INFINITY;
    const seen = new Set<FakeLiveConnection>();
    while (current !== undefined && !seen.has(current)) {
      seen.add(current);
      segments.push(current.received.slice(0, upTo));
      const handle = current.resumedFrom;
      const issuer =
        handle === undefined ? undefined : this.connections.find((c) => c.issuedHandles.has(handle));
      upTo = issuer?.issuedHandles.get(handle as string) ?? 0;
      current = issuer;
    }
    return segments.reverse().flat();
  }

  /** Queues a plan for the next incoming connection not yet planned (one plan per upgrade request). */
  planConnection(plan: FakeConnectionPlan): void {
    this.plans.push(plan);
  }

  /**
   * Calls `handler` for every connection accepted from now on, once `setupComplete` was sent.
   * Its failures are recorded in `conn.errors`, never thrown. Returns an unsubscribe function.
   */
  onConnection(handler: FakeConnectionHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const at = this.handlers.indexOf(handler);
      if (at >= 0) this.handlers.splice(at, 1);
    };
  }

  /**
   * The next connection whose `setup` frame arrived and that no earlier call returned; resolves at
   * once if one is waiting. Rejects after `timeoutMs` (default 10 000) or when the server closes.
   */
  nextConnection(options: { timeoutMs?: number } = {}): Promise<FakeLiveConnection> {
    if (this.closing !== undefined) return Promise.reject(new Error('FakeLiveServer is closed'));
    return this.ready.next(options.timeoutMs ?? 10_000);
  }

  /** Terminates every socket and stops listening. Idempotent; resolves when all is closed. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.ready.close(new Error('FakeLiveServer closed while waiting for a connection'));
    for (const conn of this.connections) conn.terminate();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await Promise.all(this.connections.map((conn) => conn.closed));
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {}); // a client vanishing mid-handshake is not the server's failure
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    const plan = this.plans.shift() ?? this.options.defaultPlan ?? {};
    const url = request.url ?? '/';
    if (plan.rejectUpgradeStatus !== undefined) {
      const status = plan.rejectUpgradeStatus;
      this.rejectedUpgrades.push({ url, headers: request.headers, status });
      const text = STATUS_CODES[status] ?? 'Rejected';
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const conn = new FakeLiveConnection({
        index: this.connections.length,
        socket: ws,
        url,
        headers: request.headers,
        frames: this.options.frames ?? 'text',
        onSetup: (ready) => this.onSetup(ready, plan),
      });
      this.connections.push(conn);
    });
  }

  private onSetup(conn: FakeLiveConnection, plan: FakeConnectionPlan): void {
    this.ready.push(conn);
    if (!answerSetup(conn, plan)) return;
    for (const handler of this.handlers) {
      Promise.resolve()
        .then(() => handler(conn))
        .catch((error: unknown) => conn.errors.push(asError(error)));
    }
  }
}
