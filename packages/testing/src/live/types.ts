import type { FakeLiveConnection } from './fake-live-connection.js';

/** How the fake encodes the JSON frames it sends: the real service uses binary frames. */
export type FakeFrameEncoding = 'text' | 'binary';

/** A base64 blob as the SDK puts it on the wire. */
export interface LiveWireBlob {
  data?: string;
  mimeType?: string;
  [key: string]: unknown;
}

/**
 * One parsed client → server frame. Only the fields the SDK sends are spelled out; anything else
 * the client sends is kept as-is under its own key.
 */
export interface LiveClientFrame {
  setup?: Record<string, unknown>;
  realtimeInput?: {
    audio?: LiveWireBlob;
    video?: LiveWireBlob;
    mediaChunks?: LiveWireBlob[];
    activityStart?: Record<string, unknown>;
    activityEnd?: Record<string, unknown>;
    audioStreamEnd?: boolean;
    text?: string;
    [key: string]: unknown;
  };
  clientContent?: {
    turns?: Array<{ role?: string; parts?: Array<Record<string, unknown>> }>;
    turnComplete?: boolean;
    [key: string]: unknown;
  };
  toolResponse?: {
    functionResponses?: Array<{
      id?: string;
      name?: string;
      response?: Record<string, unknown>;
      [key: string]: unknown;
    }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type LiveClientFramePredicate = (frame: LiveClientFrame) => boolean;

/** One step of a scripted server behaviour, played in order by `conn.play(steps)`. */
export type FakeScriptStep =
  | { send: object; binary?: boolean }
  | { raw: string | Buffer }
  | { delayMs: number }
  | { waitFor: LiveClientFramePredicate; timeoutMs?: number }
  | { close: { code: number; reason?: string } }
  | { terminate: true }
  /** Escape hatch: any custom action on the connection. */
  | { run: (conn: FakeLiveConnection) => void | Promise<void> };

/** How the server treats one incoming connection (plans are consumed one per upgrade request). */
export interface FakeConnectionPlan {
  /** Answer the HTTP upgrade with this status (e.g. 403) instead of accepting it. */
  rejectUpgradeStatus?: number;
  /** Read `setup` and never answer it: the 2.x SDK's `connect()` then stays pending. */
  withholdSetupComplete?: boolean;
  /** Read `setup`, then close with this code instead of answering. */
  closeBeforeSetupComplete?: { code: number; reason?: string };
  /** Body of the `setupComplete` message (default `{}`). */
  setupComplete?: Record<string, unknown>;
  /** Played right after `setupComplete` was sent; a failing step is recorded in `conn.errors`. */
  script?: FakeScriptStep[];
}

/** How a connection ended, as the server saw it. */
export interface FakeCloseInfo {
  code: number;
  reason: string;
  /** True when the client started the close (the server had not closed or terminated it first). */
  byClient: boolean;
}

/** A client frame the server could not parse as a JSON object. */
export interface FakeProtocolError {
  message: string;
  /** The frame as received, decoded as UTF-8. */
  raw: string;
}

export interface FakeWaitOptions {
  /** Default 10 000 ms: generous on purpose, CI machines are shared. */
  timeoutMs?: number;
  /** Only consider frames at this index of `received` or later (default 0: every frame). */
  fromIndex?: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;
