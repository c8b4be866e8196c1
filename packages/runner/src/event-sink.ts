import {
  EarshotError,
  type Event,
  LIVE_RESUMPTION_HANDLE_KEY,
  type PersistencePolicy,
  type RunConfig,
  type Session,
  type SessionService,
  StorageError,
} from '@earshot/core';
import type { LiveServerSessionResumptionUpdate } from '@google/genai';
import { AsyncQueue } from './async-queue.js';

/** An append that failed: the run ends, and the event it was for is not yielded. */
export class PersistFailure extends Error {
  /** What the run throws: the store's own typed error, or a `StorageError` wrapping it. */
  readonly error: EarshotError;

  constructor(cause: unknown) {
    const error =
      cause instanceof EarshotError
        ? cause
        : new StorageError(`appending an event to the session failed: ${messageOf(cause)}`, { cause });
    super(error.message, { cause });
    this.error = error;
  }
}

/**
 * Where every event of a run goes, in order: custom metadata, the persistence policy, the
 * session append (persisted events only, before they are yielded), then `output`, which the
 * generator yields from. Also keeps the latest resumable handle and writes it into the state
 * delta of the next persisted turn-boundary event.
 */
export class EventSink {
  readonly output = new AsyncQueue<Event>();
  private readonly runConfig: RunConfig;
  private readonly policy: PersistencePolicy;
  private readonly sessionService: SessionService;
  private readonly session: Session;
  private handle: string | undefined;
  private handleSaved = true;

  constructor(options: {
    runConfig: RunConfig;
    persistencePolicy: PersistencePolicy;
    sessionService: SessionService;
    session: Session;
  }) {
    this.runConfig = options.runConfig;
    this.policy = options.persistencePolicy;
    this.sessionService = options.sessionService;
    this.session = options.session;
  }

  /** The latest handle the server marked resumable (what a reconnect would use). */
  get resumptionHandle(): string | undefined {
    return this.handle;
  }

  noteResumptionUpdate(update: LiveServerSessionResumptionUpdate): void {
    if (!update.resumable || !update.newHandle) return;
    this.handle = update.newHandle;
    this.handleSaved = false;
  }

  /**
   * Emits one event. Returns a promise only when it appends, so the unpersisted hot path (model
   * audio) costs no await. A failed append rejects with `PersistFailure` and yields nothing.
   */
  emit(event: Event): Promise<void> | undefined {
    this.addMetadata(event);
    if (!this.policy(event, this.runConfig).persist) {
      this.output.push(event);
      return undefined;
    }
    const boundary = event.turnComplete || event.interrupted || event.generationComplete;
    if (boundary && !this.handleSaved) {
      event.actions.stateDelta[LIVE_RESUMPTION_HANDLE_KEY] = this.handle;
      this.handleSaved = true;
    }
    return this.append(event);
  }

  /** Yields without appending (after the store failed, nothing more is appended). */
  yieldOnly(event: Event): void {
    this.addMetadata(event);
    this.output.push(event);
  }

  private addMetadata(event: Event): void {
    if (this.runConfig.customMetadata) {
      event.customMetadata = { ...this.runConfig.customMetadata, ...event.customMetadata };
    }
  }

  private async append(event: Event): Promise<void> {
    try {
      await this.sessionService.appendEvent({ session: this.session, event });
    } catch (error) {
      throw new PersistFailure(error);
    }
    this.output.push(event);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
