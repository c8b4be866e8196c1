import { type Event, PluginError } from '@earshot/core';
import { PluginObserver } from './plugin-observer.js';
import type { PluginConnectionInfo, PluginRunInfo, RunnerPlugin } from './runner-plugin.js';

/** `errorCode` of the (non-fatal) event reporting a plugin hook or tool callback that failed. */
export const PLUGIN_ERROR = 'PLUGIN_ERROR';
/** Notifications one plugin may have waiting before it is cut off. */
export const DEFAULT_PLUGIN_QUEUE_LIMIT = 10_000;
/** How long the end of a run waits for plugins to take their last notifications. */
export const DEFAULT_PLUGIN_END_TIMEOUT_MS = 5_000;

/** The plugins of one run: delivers their observer hooks and collects their failures. */
export class PluginHost {
  private readonly observers: Array<{ plugin: RunnerPlugin; observer: PluginObserver }>;
  private readonly eventObservers: Array<{ plugin: RunnerPlugin; observer: PluginObserver }>;
  private report: (error: PluginError) => void;

  constructor(
    private readonly plugins: readonly RunnerPlugin[],
    private readonly run: PluginRunInfo,
    options: { queueLimit: number; report: (error: PluginError) => void },
  ) {
    this.report = options.report;
    this.observers = plugins.map((plugin) => ({
      plugin,
      observer: new PluginObserver(plugin.name, options.queueLimit, (error) => this.report(error)),
    }));
    this.eventObservers = this.observers.filter(({ plugin }) => typeof plugin.onEvent === 'function');
  }

  /** Undefined when no plugin has `onEvent`: the sink then skips the call altogether. */
  get eventListener(): ((event: Event) => void) | undefined {
    return this.eventObservers.length > 0 ? (event) => this.event(event) : undefined;
  }

  runStart(): void {
    for (const { plugin, observer } of this.observers) {
      if (plugin.onRunStart) observer.notify('onRunStart', () => plugin.onRunStart?.(this.run));
    }
  }

  connection(info: Omit<PluginConnectionInfo, 'run'>): void {
    const full = { ...info, run: this.run };
    for (const { plugin, observer } of this.observers) {
      if (plugin.onConnection) observer.notify('onConnection', () => plugin.onConnection?.(full));
    }
  }

  event(event: Event): void {
    for (const { plugin, observer } of this.eventObservers) {
      observer.notify('onEvent', () => plugin.onEvent?.(event, this.run));
    }
  }

  /**
   * Delivers `onRunEnd` and waits for every plugin to take what it was sent, at most `timeoutMs`.
   * Returns the failures from then on (the run can no longer take them as signals).
   */
  async end(error: unknown, timeoutMs: number): Promise<PluginError[]> {
    const late: PluginError[] = [];
    this.report = (failure) => late.push(failure);
    const info = { ...this.run, error };
    for (const { plugin, observer } of this.observers) {
      if (plugin.onRunEnd) observer.notify('onRunEnd', () => plugin.onRunEnd?.(info));
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = Symbol('timedOut');
    const timeout = new Promise<typeof timedOut>((resolve) => {
      timer = setTimeout(() => resolve(timedOut), timeoutMs);
    });
    const pending = this.observers.map(async ({ plugin, observer }) => {
      if ((await Promise.race([observer.idle(), timeout])) === timedOut) {
        const message = `plugin ${plugin.name} did not finish its hooks within ${timeoutMs} ms of the run's end`;
        late.push(new PluginError(message, { source: plugin.name, hook: 'onRunEnd' }));
      }
    });
    await Promise.all(pending);
    clearTimeout(timer);
    return late;
  }

  /** The plugins, for the tool hooks. */
  get all(): readonly RunnerPlugin[] {
    return this.plugins;
  }
}
