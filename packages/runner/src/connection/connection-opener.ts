import { LiveConnectionError, type RunConfig } from '@earshot/core';
import type { SessionResumptionConfig } from '@google/genai';
import type { LlmAgent } from '../agents/llm-agent.js';
import type { FunctionTool } from '../tools/function-tool.js';
import { buildConnectConfig } from './connect-config.js';
import type { LiveConnection, LiveConnectionListener } from './live-model.js';
import { backoffDelayMs, isReconnectableClose, type ReconnectPolicy, sleep } from './reconnect-policy.js';

/** What one connection is for: an agent, its instruction and tools, and maybe a handle to resume. */
export interface ConnectionTarget {
  agent: LlmAgent;
  instruction: string | undefined;
  tools: readonly FunctionTool[];
  sessionResumption: SessionResumptionConfig | undefined;
}

export interface OpenedConnection {
  connection: LiveConnection;
  /** Tags every signal of this connection. */
  id: number;
}

export interface ConnectionOpenerOptions {
  runConfig: RunConfig;
  connectTimeoutMs: number;
  policy: ReconnectPolicy;
  /** Aborted when the run stops: waits end and a connect still pending is closed once it lands. */
  signal: AbortSignal;
  /** The listener of the connection with this id (it only enqueues). */
  listenerFor: (id: number) => LiveConnectionListener;
  random?: () => number;
}

/**
 * Opens model connections for a run: a fresh connect config each time (the SDK mutates it),
 * bounded attempts with backoff when a connection is being replaced, and nothing left open
 * when the run stops halfway. The attempt count of an outage starts over only once a new
 * connection proved itself by delivering a server message (`proven()`), so a server that
 * accepts and drops at once cannot make the run reconnect forever.
 */
export class ConnectionOpener {
  private readonly options: ConnectionOpenerOptions;
  private nextId = 0;
  private unproven = 0;

  constructor(options: ConnectionOpenerOptions) {
    this.options = options;
  }

  /** The current connection delivered something: the next outage gets every attempt again. */
  proven(): void {
    this.unproven = 0;
  }

  /** One attempt: the first connection of a run fails the run at once if it cannot be opened. */
  async openOnce(target: ConnectionTarget): Promise<OpenedConnection | undefined> {
    return this.attempt(target);
  }

  /**
   * Replaces a connection: tries until one opens, the attempts run out (throws the last
   * `LiveConnectionError`), the failure is one that trying again cannot fix (thrown at once),
   * or `keepTrying()` turns false or the run stops (undefined: nothing was left open).
   */
  async replace(target: ConnectionTarget, keepTrying: () => boolean): Promise<OpenedConnection | undefined> {
    const { policy, signal, random } = this.options;
    let lastError: LiveConnectionError | undefined;
    while (this.unproven < policy.maxAttempts) {
      await sleep(backoffDelayMs(policy, this.unproven, random), signal);
      if (signal.aborted || !keepTrying()) return undefined;
      this.unproven += 1;
      try {
        return await this.attempt(target);
      } catch (error) {
        lastError = asConnectionError(error);
        if (!isReconnectableClose(lastError.closeCode)) throw lastError;
      }
    }
    const tried = policy.maxAttempts;
    throw new LiveConnectionError(
      `could not reconnect after ${tried} attempt${tried === 1 ? '' : 's'}${lastError ? `: ${lastError.message}` : ''}`,
      { cause: lastError, closeCode: lastError?.closeCode },
    );
  }

  private async attempt(target: ConnectionTarget): Promise<OpenedConnection | undefined> {
    const { runConfig, connectTimeoutMs, signal, listenerFor } = this.options;
    if (signal.aborted) return undefined;
    const id = ++this.nextId;
    const connecting = target.agent.model.connect({
      config: buildConnectConfig({
        runConfig,
        instruction: target.instruction,
        tools: target.tools,
        sessionResumption: target.sessionResumption,
      }),
      timeoutMs: connectTimeoutMs,
      listener: listenerFor(id),
    });
    let onAbort = () => {};
    const stopped = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    let connection: LiveConnection | undefined;
    try {
      connection = await Promise.race([connecting, stopped]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (connection === undefined || signal.aborted) {
      // The run stopped while connecting: whatever opens later is closed at once (no zombie).
      connecting.then(
        (late) => late.close(),
        () => {},
      );
      return undefined;
    }
    return { connection, id };
  }
}

function asConnectionError(error: unknown): LiveConnectionError {
  if (error instanceof LiveConnectionError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LiveConnectionError(`live connect failed: ${message}`, { cause: error });
}
