import { WebSocket } from 'ws';
import type { ServerFrame } from '../../src/index.js';

export interface Closed {
  code: number;
  reason: string;
}

/** A WebSocket client that records every frame the bridge sends. */
export class TestClient {
  readonly json: ServerFrame[] = [];
  readonly audio: Buffer[] = [];
  readonly closed: Promise<Closed>;
  private readonly waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.audio.push(data as Buffer);
      else this.json.push(JSON.parse(String(data)) as ServerFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString('utf8') });
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  /** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, options: { origin?: string } = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options.origin ? { origin: options.origin } : {});
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestClient(ws)));
      ws.once('unexpected-response', (_request, response) => {
        reject(Object.assign(new Error(`HTTP ${response.statusCode}`), { status: response.statusCode }));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** Opens and waits for the `session` and `history` frames. */
  static async connect(url: string, options: { origin?: string } = {}): Promise<TestClient> {
    const client = await TestClient.open(url, options);
    await client.waitForJson((f) => f.type === 'history');
    return client;
  }

  get session() {
    const frame = this.json.find((f) => f.type === 'session');
    if (frame?.type !== 'session') throw new Error('no session frame yet');
    return frame;
  }

  audioBytes(): number {
    return this.audio.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** The first recorded JSON frame matching `predicate` (past or future). */
  async waitForJson<T extends ServerFrame>(
    predicate: (frame: ServerFrame) => frame is T,
    timeoutMs?: number,
  ): Promise<T>;
  async waitForJson(predicate: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  async waitForJson(predicate: (frame: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
    await this.until(() => this.json.some(predicate), timeoutMs, 'a matching frame');
    return this.json.find(predicate)!;
  }

  async until(condition: () => boolean, timeoutMs = 10_000, what = 'the condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.json).slice(0, 400)}`);
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  sendJson(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): Promise<Closed> {
    this.ws.close(1000);
    return this.closed;
  }
}
