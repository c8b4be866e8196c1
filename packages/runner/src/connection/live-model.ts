import type { LiveProtocolError } from '@earshot/core';
import type {
  ActivityEnd,
  ActivityStart,
  Blob,
  Content,
  FunctionResponse,
  LiveConnectConfig,
  LiveServerMessage,
} from '@google/genai';

/**
 * The fields of a server message the runner reads. Structural (not the SDK's class with its
 * `text`/`data` getters) so another adapter or a test can hand over plain objects.
 */
export type LiveModelMessage = Partial<
  Pick<
    LiveServerMessage,
    | 'setupComplete'
    | 'serverContent'
    | 'toolCall'
    | 'toolCallCancellation'
    | 'usageMetadata'
    | 'goAway'
    | 'sessionResumptionUpdate'
  >
>;

/** How a connection ended. */
export interface LiveCloseInfo {
  /** WebSocket close code (1000 normal, 1006 abnormal …); undefined when unknown. */
  code: number | undefined;
  reason: string;
  /** True when `LiveConnection.close()` was called before the socket closed. */
  closedByClient: boolean;
  /** The transport error that preceded the close, if any. */
  error?: unknown;
}

/**
 * Receives what happens on a connection. Called from socket callbacks, so implementations
 * must only record or enqueue and must never throw.
 */
export interface LiveConnectionListener {
  onMessage(message: LiveModelMessage): void;
  /** A frame that is not a valid server message; the connection itself stays open. */
  onProtocolError(error: LiveProtocolError): void;
  /** Called once, after `connect()` resolved, when the connection is gone for any reason. */
  onClose(info: LiveCloseInfo): void;
}

/** One realtime input frame: exactly one of the keys is set. */
export type LiveRealtimeInput =
  | { audio: Blob }
  /** A still frame (`image/jpeg`, `image/png`). */
  | { video: Blob }
  | { activityStart: ActivityStart }
  | { activityEnd: ActivityEnd }
  | { audioStreamEnd: true };

/** An open bidirectional session with a live model. Sends never block and never wait for an ack. */
export interface LiveConnection {
  sendRealtimeInput(input: LiveRealtimeInput): void;
  sendClientContent(request: { turns: Content[]; turnComplete: boolean }): void;
  /** All responses to one tool call message, each with the id of its call. */
  sendToolResponse(request: { functionResponses: FunctionResponse[] }): void;
  /** Closes the connection without waiting for the server. Idempotent. */
  close(): void;
  /** True once `close()` was called or the connection was lost. */
  readonly isClosed: boolean;
}

export interface LiveConnectRequest {
  /** A fresh object for this connection: the adapter (and the SDK under it) may mutate it. */
  config: LiveConnectConfig;
  listener: LiveConnectionListener;
  /** Give up (and close the socket) when the session is not set up within this time. */
  timeoutMs: number;
}

/**
 * A live model adapter. `connect` resolves once the session is set up, or rejects with
 * `LiveConnectionError` (refused, closed early, timed out); it never hangs.
 */
export interface LiveModel {
  /** Model name sent to the service, e.g. `gemini-live-2.5-flash-preview`. */
  readonly model: string;
  /** `gen_ai.provider.name` for telemetry (`gcp.gemini`, `gcp.vertex_ai` …), if known. */
  readonly provider?: string;
  connect(request: LiveConnectRequest): Promise<LiveConnection>;
}
