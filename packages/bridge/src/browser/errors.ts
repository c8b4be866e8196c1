export type BridgeClientErrorCode =
  /** Sending while the socket is not open (never sends into a closed socket). */
  | 'not_open'
  /** `connect()` failed before the server's `session` frame arrived. */
  | 'connect_failed'
  /** A bad option or argument. */
  | 'invalid_argument'
  /** This browser lacks something the client needs (AudioWorklet, getUserMedia). */
  | 'unsupported';

/** The browser client's typed error: branch on `code`. */
export class BridgeClientError extends Error {
  constructor(
    readonly code: BridgeClientErrorCode,
    message: string,
    /** The WebSocket close code, when a close caused it. */
    readonly closeCode?: number,
  ) {
    super(message);
    this.name = 'BridgeClientError';
  }
}
