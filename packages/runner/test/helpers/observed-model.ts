import type { LiveConnection, LiveConnectRequest, LiveModel } from '../../src/connection/live-model.js';

/**
 * Wraps a real `LiveModel` (GeminiLiveModel on a FakeLiveServer) to see what the runner does
 * from the client side: when it starts a connect (it has noticed a drop, its input is paused)
 * and how many server messages each connection delivered (so a test knows the runner has read
 * every frame before it kills a socket).
 */
export class ObservedModel implements LiveModel {
  readonly model: string;
  readonly requests: LiveConnectRequest[] = [];
  /** Server messages delivered per connect call, in call order (setupComplete included). */
  readonly delivered: number[] = [];
  /** While set, connects wait for it. */
  gate: Promise<void> | undefined;

  constructor(private readonly inner: LiveModel) {
    this.model = inner.model;
  }

  async connect(request: LiveConnectRequest): Promise<LiveConnection> {
    const index = this.requests.length;
    this.requests.push(request);
    this.delivered[index] = 0;
    await this.gate;
    const { listener } = request;
    return this.inner.connect({
      ...request,
      listener: {
        onMessage: (message) => {
          this.delivered[index] = (this.delivered[index] ?? 0) + 1;
          listener.onMessage(message);
        },
        onProtocolError: (error) => listener.onProtocolError(error),
        onClose: (info) => listener.onClose(info),
      },
    });
  }
}
