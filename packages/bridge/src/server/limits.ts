import { InvalidArgumentError } from '@earshot/core';

/** Every bound the bridge enforces; README "Limits" says what a breach does. */
export interface BridgeLimits {
  /** Largest frame accepted, in bytes (the WebSocket `maxPayload`); larger → close 1009. */
  maxFrameBytes: number;
  /** Largest binary (audio) frame, in bytes; larger → `invalid_argument`, frame dropped. */
  maxAudioFrameBytes: number;
  /** Longest `text` frame's `text`, in UTF-16 code units; longer → `invalid_argument`. */
  maxTextChars: number;
  /** Sustained client frames per second (token bucket); over the burst → close 4002. */
  messagesPerSecond: number;
  /** Frames allowed above the sustained rate at once. */
  messageBurst: number;
  /** Sustained client bytes per second; the burst is `maxFrameBytes * 2`. Over → close 4002. */
  bytesPerSecond: number;
  /** Bytes queued toward one client; above it model audio is dropped (oldest first), then close 4003. */
  maxBufferedBytes: number;
  /** Requests waiting in the run's queue for the model; more → close 4004. */
  maxPendingInput: number;
  /** No client frame for this long → close 4001. `0` disables. */
  idleTimeoutMs: number;
  /** Ping period; a client that did not answer the previous ping by the next is terminated. */
  pingIntervalMs: number;
  /** Open sockets plus upgrades in progress, all users; more → HTTP 503 before authentication. */
  maxConnections: number;
  /** Open sockets of one user; more → close 4005. */
  maxConnectionsPerUser: number;
  /** Persisted events sent in the `history` frame on connect (the most recent ones). */
  historyEvents: number;
  /** Serialized size of the `history` frame's events; older events are left out to fit. */
  maxHistoryBytes: number;
  /** How long `authenticate` may take; slower → HTTP 503. */
  authTimeoutMs: number;
  /** After a close frame, how long the client has to answer before the socket is destroyed. */
  closeTimeoutMs: number;
}

export const DEFAULT_BRIDGE_LIMITS: Readonly<BridgeLimits> = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxAudioFrameBytes: 64 * 1024,
  maxTextChars: 16_384,
  messagesPerSecond: 100,
  messageBurst: 200,
  bytesPerSecond: 512 * 1024,
  maxBufferedBytes: 1024 * 1024,
  maxPendingInput: 2_000,
  idleTimeoutMs: 300_000,
  pingIntervalMs: 20_000,
  maxConnections: 1_000,
  maxConnectionsPerUser: 8,
  historyEvents: 100,
  maxHistoryBytes: 1024 * 1024,
  authTimeoutMs: 10_000,
  closeTimeoutMs: 2_000,
});

const ZERO_ALLOWED: ReadonlySet<keyof BridgeLimits> = new Set(['idleTimeoutMs', 'historyEvents']);

/** The defaults overridden by `limits`; each value must be a positive integer (a few may be 0). */
export function resolveLimits(limits: Partial<BridgeLimits> | undefined): BridgeLimits {
  const resolved: BridgeLimits = { ...DEFAULT_BRIDGE_LIMITS };
  for (const [key, value] of Object.entries(limits ?? {})) {
    if (!(key in DEFAULT_BRIDGE_LIMITS)) {
      throw new InvalidArgumentError(`unknown bridge limit ${JSON.stringify(key)}`, {
        field: `limits.${key}`,
      });
    }
    const name = key as keyof BridgeLimits;
    if (value === undefined) continue;
    const min = ZERO_ALLOWED.has(name) ? 0 : 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new InvalidArgumentError(`limits.${key} must be an integer >= ${min}, got ${String(value)}`, {
        field: `limits.${key}`,
      });
    }
    resolved[name] = value;
  }
  return resolved;
}
