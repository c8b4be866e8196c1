// Shared helpers for the live*.test.ts files: drive the real @google/genai SDK against a FakeLiveServer.
import { GoogleGenAI, type LiveConnectConfig, type LiveServerMessage, type Session } from '@google/genai';
import type { FakeLiveServer } from '../src/live/index.js';

export const MODEL = 'gemini-live-2.5-flash-preview';

export interface SdkClose {
  code: number;
  reason: string;
}

/** Everything the SDK's callbacks reported, plus a way to wait for the next of them. */
export class SdkCallbacks {
  readonly messages: LiveServerMessage[] = [];
  readonly errors: string[] = [];
  close: SdkClose | undefined;
  private readonly listeners = new Set<() => void>();

  readonly callbacks = {
    onmessage: (message: LiveServerMessage): void => {
      this.messages.push(message);
      this.notify();
    },
    onerror: (event: { message?: string }): void => {
      this.errors.push(String(event.message ?? 'error'));
      this.notify();
    },
    onclose: (event: { code: number; reason: string }): void => {
      this.close = { code: event.code, reason: String(event.reason) };
      this.notify();
    },
  };

  /** Resolves once `condition` holds; polls on every callback, fails after `timeoutMs`. */
  until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  untilClosed(timeoutMs?: number): Promise<SdkClose> {
    return this.until(() => this.close !== undefined, 'SDK onclose', timeoutMs).then(() => this.close!);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export function sdkClient(server: FakeLiveServer, apiVersion?: string): GoogleGenAI {
  const httpOptions =
    apiVersion === undefined ? { baseUrl: server.baseUrl } : { baseUrl: server.baseUrl, apiVersion };
  return new GoogleGenAI({ apiKey: 'test-key', httpOptions });
}

/** Connects the real SDK; resolves once `connect()` resolved (i.e. after setupComplete). */
export async function connectSdk(
  server: FakeLiveServer,
  options: { config?: LiveConnectConfig; apiVersion?: string } = {},
): Promise<{ session: Session; sdk: SdkCallbacks }> {
  const sdk = new SdkCallbacks();
  const session = await sdkClient(server, options.apiVersion).live.connect({
    model: MODEL,
    callbacks: sdk.callbacks,
    ...(options.config === undefined ? {} : { config: options.config }),
  });
  return { session, sdk };
}

/**
 * Starts a connect that SDK 2.32.0 may never settle (failed upgrade, close before setupComplete).
 * `settled` reports whether it did within `ms`, without ever leaving a pending timer behind.
 */
export function startConnect(
  server: FakeLiveServer,
  options: { config?: LiveConnectConfig } = {},
): { sdk: SdkCallbacks; connecting: Promise<Session>; settledWithin: (ms: number) => Promise<boolean> } {
  const sdk = new SdkCallbacks();
  const connecting = sdkClient(server).live.connect({
    model: MODEL,
    callbacks: sdk.callbacks,
    ...(options.config === undefined ? {} : { config: options.config }),
  });
  connecting.catch(() => {}); // observed through settledWithin only
  const settledWithin = (ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const settled = connecting.then(
      () => true,
      () => true,
    );
    return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
  };
  return { sdk, connecting, settledWithin };
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const b64 = (bytes: Buffer): string => bytes.toString('base64');
