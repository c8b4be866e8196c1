import type { LiveConnection } from './live-model.js';
import type { LiveRequest, LiveRequestQueue } from './live-request-queue.js';

export interface InputPumpOptions {
  queue: LiveRequestQueue;
  /** After a request went to the model (recording, the user-content event). */
  onSent: (request: LiveRequest) => void;
  /** The caller closed the queue and everything before the close was sent. */
  onInputClosed: () => void;
  onFailure: (error: unknown) => void;
}

/**
 * Forwards the caller's queue to the model connection as items arrive, independently of how
 * fast the caller reads events. Stopping abandons the wait without taking an item, so input
 * sent after a run stopped stays in the queue.
 */
export class InputPump {
  private readonly options: InputPumpOptions;
  private readonly stopping = new AbortController();
  private connection: LiveConnection | undefined;
  private running = false;

  constructor(options: InputPumpOptions) {
    this.options = options;
  }

  /** Where input goes from now on. */
  connectTo(connection: LiveConnection): void {
    this.connection = connection;
    if (!this.running) {
      this.running = true;
      void this.run();
    }
  }

  stop(): void {
    this.stopping.abort();
  }

  private async run(): Promise<void> {
    const { queue, onInputClosed, onFailure } = this.options;
    try {
      for (;;) {
        const taken = await queue.get(this.stopping.signal);
        if (taken.done) {
          onInputClosed();
          return;
        }
        this.send(taken.value);
      }
    } catch (error) {
      if (!this.stopping.signal.aborted) onFailure(error);
    }
  }

  private send(request: LiveRequest): void {
    const connection = this.connection;
    if (!connection) return;
    switch (request.kind) {
      case 'realtime':
        connection.sendRealtimeInput({ audio: request.blob });
        break;
      case 'activityStart':
        connection.sendRealtimeInput({ activityStart: {} });
        break;
      case 'activityEnd':
        connection.sendRealtimeInput({ activityEnd: {} });
        break;
      case 'content':
        connection.sendClientContent({ turns: [request.content], turnComplete: true });
        break;
    }
    this.options.onSent(request);
  }
}
