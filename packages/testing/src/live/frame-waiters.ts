import {
  DEFAULT_WAIT_TIMEOUT_MS,
  type FakeWaitOptions,
  type LiveClientFrame,
  type LiveClientFramePredicate,
} from './types.js';

interface PendingWait {
  predicate: LiveClientFramePredicate;
  fromIndex: number;
  resolve: (frame: LiveClientFrame) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Promises for "the first received frame matching P", past or future. Every pending wait owns a
 * timer that is cleared as soon as it settles, so no wait keeps the process alive.
 */
export class FrameWaiters {
  private readonly pending = new Set<PendingWait>();
  private closedReason: string | undefined;

  constructor(private readonly frames: readonly LiveClientFrame[]) {}

  wait(predicate: LiveClientFramePredicate, options: FakeWaitOptions = {}): Promise<LiveClientFrame> {
    const fromIndex = options.fromIndex ?? 0;
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    return new Promise<LiveClientFrame>((resolve, reject) => {
      try {
        for (let i = fromIndex; i < this.frames.length; i++) {
          const frame = this.frames[i];
          if (frame !== undefined && predicate(frame)) return resolve(frame);
        }
      } catch (error) {
        return reject(error);
      }
      if (this.closedReason !== undefined) {
        return reject(new Error(`waitFor: no matching frame; ${this.closedReason}`));
      }
      const wait: PendingWait = {
        predicate,
        fromIndex,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.pending.delete(wait);
          reject(new Error(`waitFor: no matching client frame within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.pending.add(wait);
    });
  }

  /** Called after `frame` was appended at `index`. */
  offer(frame: LiveClientFrame, index: number): void {
    for (const wait of this.pending) {
      if (index < wait.fromIndex) continue;
      let matched: boolean;
      try {
        matched = wait.predicate(frame);
      } catch (error) {
        this.settle(wait);
        wait.reject(error as Error);
        continue;
      }
      if (matched) {
        this.settle(wait);
        wait.resolve(frame);
      }
    }
  }

  /** The socket is gone: nothing else can arrive, so every pending wait fails now. */
  close(reason: string): void {
    this.closedReason = reason;
    for (const wait of this.pending) {
      this.settle(wait);
      wait.reject(new Error(`waitFor: ${reason} before a matching client frame arrived`));
    }
  }

  private settle(wait: PendingWait): void {
    clearTimeout(wait.timer);
    this.pending.delete(wait);
  }
}
