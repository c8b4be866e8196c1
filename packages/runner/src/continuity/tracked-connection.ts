import type { Content, FunctionResponse } from '@google/genai';
import type { LiveConnection, LiveRealtimeInput } from '../connection/live-model.js';
import { isImageMime } from '../input/live-input-validation.js';
import type { LiveRequest } from '../input/live-request-queue.js';

/** One client message after setup, as the run sends it (and may send again on a resumed session). */
export type ClientSend =
  | { kind: 'realtime'; input: LiveRealtimeInput }
  | { kind: 'content'; turns: Content[]; turnComplete: boolean }
  /** `generation`: `EventSink.handleGeneration` when the calls arrived (who knows about them). */
  | { kind: 'toolResponse'; functionResponses: FunctionResponse[]; generation: number };

/** Called after each message that went out, with its index on the connection (setup is 0). */
export type SendListener = (send: ClientSend, connection: TrackedConnection, index: number) => void;

/**
 * A model connection that counts the client messages it sends, the way the Live API numbers
 * them for `lastConsumedClientMessageIndex`: setup is 0, the first message after it 1, and each
 * connection counts from 0 again. A message is counted only when it went to a connection not
 * known to be closed (`send` returns false otherwise, and the caller keeps it).
 */
export class TrackedConnection implements LiveConnection {
  /** Messages sent after setup: the index of the last one. */
  sentCount = 0;

  constructor(
    readonly inner: LiveConnection,
    /** The opener's id of this connection (tags its signals). */
    readonly id: number,
    private readonly onSent: SendListener,
  ) {}

  get isClosed(): boolean {
    return this.inner.isClosed;
  }

  send(send: ClientSend): boolean {
    if (this.inner.isClosed) return false;
    switch (send.kind) {
      case 'realtime':
        this.inner.sendRealtimeInput(send.input);
        break;
      case 'content':
        this.inner.sendClientContent({ turns: send.turns, turnComplete: send.turnComplete });
        break;
      case 'toolResponse':
        this.inner.sendToolResponse({ functionResponses: send.functionResponses });
        break;
    }
    this.sentCount += 1;
    this.onSent(send, this, this.sentCount);
    return true;
  }

  /** Sends one queued request; false when the connection is closed (nothing was sent). */
  sendRequest(request: LiveRequest): boolean {
    return this.send(clientSendOf(request));
  }

  sendRealtimeInput(input: LiveRealtimeInput): void {
    this.send({ kind: 'realtime', input });
  }

  sendClientContent(request: { turns: Content[]; turnComplete: boolean }): void {
    this.send({ kind: 'content', ...request });
  }

  /** Prefer `send` with the calls' generation; this one marks them known to every session. */
  sendToolResponse(request: { functionResponses: FunctionResponse[] }): void {
    this.send({ kind: 'toolResponse', functionResponses: request.functionResponses, generation: -1 });
  }

  close(): void {
    this.inner.close();
  }
}

export function clientSendOf(request: LiveRequest): ClientSend {
  switch (request.kind) {
    case 'realtime': {
      const { blob } = request;
      return { kind: 'realtime', input: isImageMime(blob.mimeType) ? { video: blob } : { audio: blob } };
    }
    case 'activityStart':
      return { kind: 'realtime', input: { activityStart: {} } };
    case 'activityEnd':
      return { kind: 'realtime', input: { activityEnd: {} } };
    case 'content':
      return { kind: 'content', turns: [request.content], turnComplete: true };
  }
}
