import {
  createEvent,
  EarshotError,
  type Event,
  LIVE_RESUMPTION_HANDLE_KEY,
  type PersistencePolicy,
  type RunConfig,
  type Session,
  type SessionService,
  SlowConsumerError,
  StorageError,
} from '@earshot/core';
import type { LiveServerSessionResumptionUpdate } from '@google/genai';
import { LIVE_AGENT_KEY } from '../agents/agent-tree.js';
import { NO_TELEMETRY, type RunTelemetry } from '../telemetry/run-telemetry.js';
import { AsyncQueue } from './async-queue.js';
import { trimSessionEvents } from './session-window.js';
import { isOutage, OutageBuffer, type StorageOutagePolicy } from './storage-outage.js';

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
 * caller reads through `runLive`'s iterator (`LiveEventStream`). Also keeps the latest
 * resumable handle and writes it (with the active agent when transfers are possible) into the
 * state delta of the next persisted turn-boundary or error event, or of a final event when the
 * run ends with it unsaved.
 */
export class EventSink {
  readonly output = new AsyncQueue<Event>({ failOnce: true });
  private readonly runConfig: RunConfig;
  private readonly policy: PersistencePolicy;
  private readonly sessionService: SessionService;
  private readonly session: Session;
  private readonly activeAgent: () => string | undefined;
  private readonly onEvent: (event: Event) => void;
  private readonly observe: ((event: Event) => void) | undefined;
  private readonly telemetry: RunTelemetry;
  private handle: string | undefined;
  private handleSaved = true;
  private generation = 0;
  /** Holds what could not be persisted while the store fails (absent: a failed append ends the run). */
  private readonly outage: OutageBuffer | undefined;
  private readonly maxPendingEvents: number;
  private readonly onOverflow: ((error: SlowConsumerError) => void) | undefined;
  private overflowed = false;

  constructor(options: {
    runConfig: RunConfig;
    persistencePolicy: PersistencePolicy;
    sessionService: SessionService;
    session: Session;
    /** The agent to record next to the handle, or undefined when there is only one agent. */
    activeAgent: () => string | undefined;
    /** Sees every event emitted (persisted or not), before it is stored. */
    onEvent?: (event: Event) => void;
    /** Sees every event handed to `output` (the plugins' `onEvent`). */
    observe?: (event: Event) => void;
    telemetry?: RunTelemetry;
    /** Ride out a failing store within these bounds; undefined ends the run at the first failed append. */
    storageOutage?: StorageOutagePolicy | undefined;
    invocationId?: string;
    /** Authors the storage notices (the agent speaking). */
    author?: () => string;
    /** The store stayed down past a bound (or refused for good) during an outage: end the run. */
    onStorageFailure?: (failure: PersistFailure) => void;
    /** Most events `output` may hold untaken before `onOverflow` ends the run. */
    maxPendingEvents?: number;
    onOverflow?: (error: SlowConsumerError) => void;
  }) {
    this.runConfig = options.runConfig;
    this.maxPendingEvents = options.maxPendingEvents ?? Number.POSITIVE_INFINITY;
    this.onOverflow = options.onOverflow;
    this.policy = options.persistencePolicy;
    this.sessionService = options.sessionService;
    this.session = options.session;
    this.activeAgent = options.activeAgent;
    this.onEvent = options.onEvent ?? (() => {});
    this.observe = options.observe;
    this.telemetry = options.telemetry ?? NO_TELEMETRY;
    const { storageOutage, invocationId, author, onStorageFailure } = options;
    if (storageOutage) {
      this.outage = new OutageBuffer({
        policy: storageOutage,
        append: (event) =>
          this.telemetry
            .storage('append_event', () => this.sessionService.appendEvent({ session: this.session, event }))
            .then(() => {}),
        typed: (error) => new PersistFailure(error).error,
        notify: (errorCode, errorMessage, customMetadata) =>
          this.yieldOnly(
            createEvent({
              invocationId,
              author: author?.() ?? 'user',
              errorCode,
              errorMessage,
              customMetadata,
            }),
          ),
        onFatal: (error) => onStorageFailure?.(new PersistFailure(error)),
      });
    }
  }

  /** The latest handle the server marked resumable (what a reconnect uses). */
  get resumptionHandle(): string | undefined {
    return this.handle;
  }

  /** Counts resumable handles seen: tells whether a handle is newer than some point of the run. */
  get handleGeneration(): number {
    return this.generation;
  }

  /** The handle this run's first connection resumed from. */
  startFrom(handle: string): void {
    this.handle = handle;
    this.handleSaved = this.session.state[LIVE_RESUMPTION_HANDLE_KEY] === handle;
  }

  /** Returns true when the update carried a new resumable handle. */
  noteResumptionUpdate(update: LiveServerSessionResumptionUpdate): boolean {
    if (!update.resumable || !update.newHandle) return false;
    this.handle = update.newHandle;
    this.handleSaved = false;
    this.generation += 1;
    return true;
  }

  /** After a transfer: the previous agent's handle must never resume the new agent's session. */
  forgetHandle(): void {
    this.handle = undefined;
    this.handleSaved = true;
    this.generation += 1;
  }

  /** The state delta that saves the latest handle, if it is not saved yet (then counts as saved). */
  takeUnsavedHandle(): Record<string, unknown> | undefined {
    if (this.handleSaved || this.handle === undefined) return undefined;
    this.handleSaved = true;
    const delta: Record<string, unknown> = { [LIVE_RESUMPTION_HANDLE_KEY]: this.handle };
    const agent = this.activeAgent();
    if (agent !== undefined) delta[LIVE_AGENT_KEY] = agent;
    return delta;
  }

  /**
   * Emits one event. Returns a promise only when it appends, so the unpersisted hot path (model
   * audio) costs no await. A failed append rejects with `PersistFailure` and yields nothing.
   */
  emit(event: Event): Promise<void> | undefined {
    this.addMetadata(event);
    this.onEvent(event);
    const decision = this.policy(event, this.runConfig);
    this.telemetry.event(decision.rule, decision.persist);
    if (!decision.persist) {
      this.deliver(event);
      return undefined;
    }
    const carrier =
      event.turnComplete || event.interrupted || event.generationComplete || event.errorCode !== undefined;
    const delta = carrier ? this.takeUnsavedHandle() : undefined;
    if (delta) Object.assign(event.actions.stateDelta, delta);
    return this.append(event);
  }

  /**
   * Resolves once every event held during a storage outage is stored (at once when healthy);
   * rejects with `PersistFailure` when the outage reached a bound. Stops the retries after.
   */
  async settleStorage(): Promise<void> {
    try {
      await this.outage?.settled();
    } catch (error) {
      throw new PersistFailure(error);
    } finally {
      this.outage?.close();
    }
  }

  /** Yields without appending (after the store failed, nothing more is appended). */
  yieldOnly(event: Event): void {
    this.addMetadata(event);
    this.deliver(event);
  }

  private deliver(event: Event): void {
    this.observe?.(event);
    this.output.push(event);
    if (this.output.size > this.maxPendingEvents && !this.overflowed) {
      this.overflowed = true;
      this.onOverflow?.(new SlowConsumerError({ pending: this.output.size, limit: this.maxPendingEvents }));
    }
  }

  private addMetadata(event: Event): void {
    if (this.runConfig.customMetadata) {
      event.customMetadata = { ...this.runConfig.customMetadata, ...event.customMetadata };
    }
  }

  /**
   * Persist, then yield. During a storage outage the event queues behind the held ones and is
   * yielded at once (nothing is stored out of order); a bound reached throws `PersistFailure`.
   */
  private append(event: Event): Promise<void> | undefined {
    if (this.outage?.active) {
      try {
        this.outage.hold(event);
      } catch (error) {
        throw new PersistFailure(error);
      }
      this.deliver(event);
      return undefined;
    }
    return this.appendNow(event);
  }

  private async appendNow(event: Event): Promise<void> {
    try {
      const { sessionService, session } = this;
      await this.telemetry.storage('append_event', () => sessionService.appendEvent({ session, event }));
    } catch (error) {
      const failure = new PersistFailure(error);
      if (!this.outage || this.outage.failure || !isOutage(failure.error)) throw failure;
      try {
        this.outage.begin(event, failure.error); // yields STORAGE_DEGRADED, then retries
      } catch (bound) {
        throw new PersistFailure(bound); // this one event is already past a bound
      }
    }
    trimSessionEvents(this.session);
    this.deliver(event);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
