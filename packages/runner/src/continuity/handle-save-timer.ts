import { createEvent } from '@earshot/core';
import type { EventSink } from '../run/event-sink.js';

/**
 * Bounds how long the newest resumption handle may stay only in memory: started by a new
 * handle, it fires once after `delayMs` (the run then saves the handle with a state-only event
 * unless a turn boundary saved it meanwhile). Never keeps the process alive.
 */
export class HandleSaveTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly delayMs: number,
    private readonly onDue: () => void,
  ) {}

  /** A handle became unsaved: make sure it is saved within the delay. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onDue();
    }, this.delayMs);
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The timer fired: save the newest handle with a state-only event, unless a turn boundary saved it. */
export async function saveUnsavedHandle(
  sink: EventSink,
  base: { invocationId: string; author: string },
): Promise<void> {
  const stateDelta = sink.takeUnsavedHandle();
  if (stateDelta) await sink.emit(createEvent({ ...base, actions: { stateDelta } }));
}
