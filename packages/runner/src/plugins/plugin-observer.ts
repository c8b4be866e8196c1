import { PluginError } from '@earshot/core';
import type { MaybePromise } from './runner-plugin.js';

type Job = () => MaybePromise<void>;

/**
 * One plugin's notifications, delivered in order, one at a time, never on the caller's stack
 * (the first starts on a later turn of the event loop). Bounded: past `limit` waiting, the
 * plugin is too slow to follow the run, so its notifications stop and that is reported once.
 */
export class PluginObserver {
  private jobs: Array<{ hook: string; job: Job }> = [];
  private head = 0;
  private pumping: Promise<void> | undefined;
  private overflowed = false;
  /** Hooks that threw once: they get nothing more this run (a hook failing on every event would flood the run). */
  private readonly failed = new Set<string>();

  constructor(
    private readonly source: string,
    private readonly limit: number,
    private readonly report: (error: PluginError) => void,
  ) {}

  notify(hook: string, job: Job): void {
    if (this.overflowed || this.failed.has(hook)) return;
    if (this.jobs.length - this.head >= this.limit) {
      this.overflowed = true;
      const message = `plugin ${this.source} fell ${this.limit} notifications behind the run; it gets no more`;
      this.report(new PluginError(message, { source: this.source, hook }));
      return;
    }
    this.jobs.push({ hook, job });
    this.pumping ??= this.pump();
  }

  /** Resolves once every notification so far was delivered (or failed). */
  idle(): Promise<void> {
    return this.pumping ?? Promise.resolve();
  }

  private async pump(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.head < this.jobs.length) {
      const { hook, job } = this.jobs[this.head] as { hook: string; job: Job };
      this.jobs[this.head] = undefined as never;
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.jobs.length) {
        this.jobs = this.jobs.slice(this.head);
        this.head = 0;
      }
      if (this.failed.has(hook)) continue;
      try {
        const returned = job();
        if (returned !== undefined && typeof (returned as Promise<void>).then === 'function') await returned;
      } catch (error) {
        this.failed.add(hook);
        const message = `plugin ${this.source} ${hook} failed: ${error instanceof Error ? error.message : String(error)}`;
        this.report(new PluginError(message, { source: this.source, hook, cause: error }));
      }
    }
    this.pumping = undefined;
  }
}
