import { createEvent, type Event, type PluginError, type Session } from '@earshot/core';
import type { LlmAgent } from '../agents/llm-agent.js';
import type { ConnectionReason, RunTelemetry } from '../telemetry/run-telemetry.js';
import { PLUGIN_ERROR, PluginHost } from './plugin-host.js';
import type { RunnerPlugin } from './runner-plugin.js';

/** `customMetadata` keys of a `PLUGIN_ERROR` event: which plugin (or `agent <name>`) and which hook. */
export const PLUGIN_METADATA_KEY = 'earshot:plugin';
export const HOOK_METADATA_KEY = 'earshot:hook';

/** The error event reporting a plugin's (or a tool callback's) failure; the run goes on. */
export function pluginErrorEvent(base: { invocationId: string; author: string }, error: PluginError): Event {
  const event = createEvent({ ...base, errorCode: PLUGIN_ERROR, errorMessage: error.message });
  event.customMetadata = { [PLUGIN_METADATA_KEY]: error.source, [HOOK_METADATA_KEY]: error.hook };
  return event;
}

/**
 * What watches one run from outside: its plugins' observer hooks and its telemetry's
 * connection spans. `report` takes plugin failures while the run processes signals.
 */
export class RunObservers {
  private readonly host: PluginHost | undefined;

  constructor(
    private readonly options: {
      plugins: readonly RunnerPlugin[];
      pluginQueueLimit: number;
      pluginEndTimeoutMs: number;
      telemetry: RunTelemetry;
      appName: string;
      session: Session;
      invocationId: string;
      startHandle: string | undefined;
    },
    report: (error: PluginError) => void,
  ) {
    const { plugins, appName, session, invocationId } = options;
    this.host =
      plugins.length === 0
        ? undefined
        : new PluginHost(
            plugins,
            { appName, userId: session.userId, sessionId: session.id, invocationId },
            { queueLimit: options.pluginQueueLimit, report },
          );
  }

  /** For the event sink: undefined when no plugin observes events. */
  get eventListener(): ((event: Event) => void) | undefined {
    return this.host?.eventListener;
  }

  runStart(): void {
    this.host?.runStart();
  }

  /** A connection became current: its telemetry span starts, plugins hear of it. */
  connectionAdopted(id: number, agent: LlmAgent, reason: ConnectionReason): void {
    const { model } = agent;
    // The first connection's "resumed" means it was opened with a handle.
    const resumed = reason === 'reconnect' || (reason === 'start' && this.options.startHandle !== undefined);
    const info = { connectionId: id, agentName: agent.name, model: model.model, reason, resumed };
    this.options.telemetry.connectionOpened({ ...info, id, provider: model.provider });
    this.host?.connection(info);
  }

  /** `onRunEnd`, then the plugins' last failures (to be yielded: the run's storage is done by now). */
  async end(error: unknown): Promise<PluginError[]> {
    if (!this.host) return [];
    return this.host.end(error, this.options.pluginEndTimeoutMs);
  }
}
