/** A client broke one of the bridge's limits; its socket was closed with `closeCode`. */
export class BridgeLimitError extends Error {
  readonly code = 'BRIDGE_LIMIT';
  constructor(
    message: string,
    /** The `BridgeLimits` field that was exceeded. */
    readonly limit: string,
    readonly closeCode: number,
  ) {
    super(message);
    this.name = 'BridgeLimitError';
  }
}

/** A client did something the protocol forbids that is reported but not a limit (dead socket, bad frame). */
export class BridgeProtocolError extends Error {
  readonly code = 'BRIDGE_PROTOCOL';
  constructor(
    message: string,
    readonly closeCode?: number,
  ) {
    super(message);
    this.name = 'BridgeProtocolError';
  }
}
