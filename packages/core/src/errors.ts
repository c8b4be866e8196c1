/**
 * Typed errors shared by every Earshot package and backend, so callers can branch on
 * `instanceof` (or on the stable `code`) whatever the storage or model adapter.
 */
export type EarshotErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONCURRENCY'
  | 'STORAGE'
  | 'LIVE_CONNECTION'
  | 'LIVE_PROTOCOL'
  | 'CLOSED'
  | 'PLUGIN'
  | 'SLOW_CONSUMER';

export class EarshotError extends Error {
  readonly code: EarshotErrorCode;

  constructor(code: EarshotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad input rejected at the API edge; nothing was written. `field` names the offending parameter. */
export class InvalidArgumentError extends EarshotError {
  readonly field: string | undefined;

  constructor(message: string, options?: { field?: string; cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
    this.field = options?.field;
  }
}

/** The session, artifact or version addressed does not exist. */
export class NotFoundError extends EarshotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}

/** Creating something that already exists (e.g. `createSession` with a taken id). */
export class AlreadyExistsError extends EarshotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALREADY_EXISTS', message, options);
  }
}

/** A concurrent writer won repeatedly and the operation gave up after its bounded retries. */
export class ConcurrencyError extends EarshotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONCURRENCY', message, options);
  }
}

/** The backing store failed (network, server error). `cause` keeps the original error. */
export class StorageError extends EarshotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE', message, options);
  }
}

/** The live model connection could not be opened or was lost without a way to resume. */
export class LiveConnectionError extends EarshotError {
  readonly closeCode: number | undefined;

  constructor(message: string, options?: { cause?: unknown; closeCode?: number }) {
    super('LIVE_CONNECTION', message, options);
    this.closeCode = options?.closeCode;
  }
}

/** The live model sent something that breaks the protocol (malformed frame, unknown shape). */
export class LiveProtocolError extends EarshotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LIVE_PROTOCOL', message, options);
  }
}

/** Using something after it was closed (e.g. sending on a closed `LiveRequestQueue`). */
export class ClosedError extends EarshotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CLOSED', message, options);
  }
}

/**
 * A plugin hook or an agent tool callback threw (or broke its contract). `source` names the
 * plugin (or `agent <name>`), `hook` the hook; `cause` keeps what it threw.
 */
export class PluginError extends EarshotError {
  readonly source: string;
  readonly hook: string;

  constructor(message: string, options: { source: string; hook: string; cause?: unknown }) {
    super('PLUGIN', message, options);
    this.source = options.source;
    this.hook = options.hook;
  }
}

/**
 * A live run's caller stopped taking events while the model kept producing them: past the
 * runner's `maxPendingEvents` the run ends rather than buffer without bound.
 */
export class SlowConsumerError extends EarshotError {
  readonly pending: number;
  readonly limit: number;

  constructor(options: { pending: number; limit: number }) {
    super(
      'SLOW_CONSUMER',
      `the caller left ${options.pending} events untaken (maxPendingEvents ${options.limit}): the run ends rather than buffer without bound`,
    );
    this.pending = options.pending;
    this.limit = options.limit;
  }
}
