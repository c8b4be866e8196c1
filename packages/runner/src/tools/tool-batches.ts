import { type ArtifactService, createEvent, type Event, type Session } from '@earshot/core';
import type { FunctionCall, FunctionResponse } from '@google/genai';
import type { AgentTree } from '../agents/agent-tree.js';
import type { LlmAgent } from '../agents/llm-agent.js';
import type { TrackedConnection } from '../continuity/tracked-connection.js';
import type { RunTelemetry } from '../telemetry/run-telemetry.js';
import { createToolContext } from './tool-context.js';
import { type ToolBatchOutcome, ToolExecutor } from './tool-executor.js';
import type { ToolHooks } from './tool-hooks.js';

/** The function calls of one `toolCall` message, and where they came from. */
export interface ToolBatch {
  agent: LlmAgent;
  /** The connection the calls arrived on (undefined: one being replaced). */
  origin: TrackedConnection | undefined;
  /** `EventSink.handleGeneration` when the calls arrived: a newer handle knows about them. */
  generation: number;
  /** True once the responses went out. */
  answered: boolean;
}

/** The connection input and answers go to now, and what its Gemini session knows about. */
export interface CurrentConnection {
  connection: TrackedConnection;
  agent: LlmAgent;
  /**
   * Generation of the handle this connection resumed from (answers to calls older than that
   * handle are expected); -1 when it started a session of its own.
   */
  resumedGeneration: number;
}

export interface LiveToolsOptions {
  tree: AgentTree;
  appName: string;
  session: Session;
  invocationId: string;
  artifactService: ArtifactService | undefined;
  toolTimeoutMs: number;
  /** The tool hooks of an agent's calls (plugins' and the agent's callbacks), if any. */
  hooksFor?: (agent: LlmAgent) => ToolHooks | undefined;
  telemetry?: RunTelemetry;
  /** A streaming tool yielded: this `willContinue: true` response went (or could not go) to the model. */
  onProgress?: (batch: ToolBatch, response: FunctionResponse) => void;
  /** A batch settled (answered on its own connection if that was still open). */
  onSettled: (batch: ToolBatch, outcome: ToolBatchOutcome) => void;
  onFailure: (error: unknown) => void;
}

/**
 * Runs the tool calls of a run, for whichever agent is speaking, and routes their answers.
 * An answer goes out on the connection its call arrived on, the moment the batch settles. If
 * that connection died first, a resumed Gemini session knows exactly the calls that arrived
 * before the handle it resumed from: those answers go to the new connection (the model waits
 * for them); answers to calls the resumed session never made — newer than its handle, or made
 * by an agent the run has since transferred away from — are not sent anywhere (the model would
 * reject an unknown call id). Their events are yielded and persisted either way: the tool ran.
 */
export class LiveTools {
  private readonly options: LiveToolsOptions;
  private readonly executors: ToolExecutor[] = [];
  private executor: ToolExecutor;
  private unanswered: Array<{ batch: ToolBatch; outcome: ToolBatchOutcome }> = [];
  private batches = 0;
  /** Batches whose answers are still being sent; made at the first batch. */
  private running: Set<Promise<void>> | undefined;
  private stopped = false;
  /** The connection last made current (`route`): where a stream's values go once their own one is gone. */
  private latest: CurrentConnection | undefined;

  constructor(options: LiveToolsOptions, agent: LlmAgent) {
    this.options = options;
    this.executor = this.executorFor(agent);
  }

  /** Batches started and not yet handed to `settled`. */
  get inFlight(): number {
    return this.batches;
  }

  /** From now on calls run with this agent's tools (after a transfer). */
  useAgent(agent: LlmAgent): void {
    this.executor = this.executorFor(agent);
  }

  /**
   * Runs the calls of one `toolCall` message. Blocking calls are answered together, once all of
   * them settled; each non-blocking call is a batch of its own, answered when it is done, so a
   * fast call never waits for a slow one the model is talking over.
   */
  start(calls: FunctionCall[], batch: ToolBatch): void {
    const nonBlocking = calls.filter((call) => this.executor.isNonBlocking(call));
    if (nonBlocking.length === 0) {
      this.startBatch(calls, batch);
      return;
    }
    const blocking = calls.filter((call) => !this.executor.isNonBlocking(call));
    if (blocking.length > 0) this.startBatch(blocking, batch);
    for (const call of nonBlocking) this.startBatch([call], { ...batch, answered: false });
  }

  private startBatch(calls: FunctionCall[], batch: ToolBatch): void {
    this.batches += 1;
    const onProgress = (response: FunctionResponse) => this.progress(batch, response);
    const running: Promise<void> = this.executor.run(calls, onProgress).then(
      (outcome) => {
        // Answer the model as soon as the batch settles; the events follow through the inbox.
        try {
          const { origin } = batch;
          if (outcome.responses.length > 0 && !this.stopped && origin && !origin.isClosed) {
            batch.answered = answer(origin, batch, outcome);
          }
          this.options.onSettled(batch, outcome);
        } catch (error) {
          this.options.onFailure(error);
        }
      },
      (error: unknown) => this.options.onFailure(error),
    );
    this.running ??= new Set();
    const batches = this.running;
    batches.add(running);
    void running.finally(() => batches.delete(running));
  }

  /** Resolves once every batch started so far settled (after `abortAll`, promptly), or after `timeoutMs`. */
  async settledWithin(timeoutMs: number): Promise<void> {
    const batches = this.running;
    if (batches === undefined || batches.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(batches), timeout]);
    clearTimeout(timer);
  }

  /** The run took the batch's outcome: answer it on `current` if that session waits for it. */
  settled(batch: ToolBatch, outcome: ToolBatchOutcome, current: CurrentConnection | undefined): void {
    this.batches -= 1;
    if (this.stopped) return;
    if (!batch.answered && outcome.responses.length > 0) this.unanswered.push({ batch, outcome });
    this.route(current);
  }

  /** A new connection is current: send what it waits for, forget what it never will. */
  route(current: CurrentConnection | undefined): void {
    this.latest = current;
    if (current === undefined || current.connection.isClosed) return;
    const { connection, agent, resumedGeneration } = current;
    for (const { batch, outcome } of this.unanswered) {
      if (batch.agent === agent && batch.origin !== connection && resumedGeneration > batch.generation) {
        batch.answered = answer(connection, batch, outcome);
      }
    }
    this.unanswered = [];
  }

  /**
   * A stream's value goes out at once, on its call's connection, or (that one gone) on the
   * current one if its Gemini session knows the call (as `route` decides for final answers).
   */
  private progress(batch: ToolBatch, response: FunctionResponse): void {
    if (this.stopped) return;
    const { origin } = batch;
    const latest = this.latest;
    if (origin && !origin.isClosed) {
      origin.send({ kind: 'toolResponse', functionResponses: [response], generation: batch.generation });
    } else if (
      latest &&
      !latest.connection.isClosed &&
      latest.agent === batch.agent &&
      latest.resumedGeneration > batch.generation
    ) {
      latest.connection.send({
        kind: 'toolResponse',
        functionResponses: [response],
        generation: batch.generation,
      });
    }
    this.options.onProgress?.(batch, response);
  }

  /** The run's input ended: streaming calls are stopped (recorded as cancelled). */
  stopStreams(): void {
    for (const executor of this.executors) executor.stopStreams();
  }

  /** The model withdrew these calls of the speaking agent. */
  cancel(ids: readonly string[]): void {
    this.executor.cancel(ids);
  }

  /** The run is stopping: abort every call of every agent; nothing more is answered. */
  abortAll(): void {
    this.stopped = true;
    for (const executor of this.executors) executor.abortAll();
  }

  private executorFor(agent: LlmAgent): ToolExecutor {
    const { tree, appName, session, invocationId, artifactService, toolTimeoutMs } = this.options;
    const executor = new ToolExecutor({
      tools: tree.toolsOf(agent),
      defaultTimeoutMs: toolTimeoutMs,
      hooks: this.options.hooksFor?.(agent),
      telemetry: this.options.telemetry,
      makeContext: ({ call, toolName, signal }) =>
        createToolContext({
          toolName,
          functionCallId: call.id,
          invocationId,
          agentName: agent.name,
          appName,
          userId: session.userId,
          sessionId: session.id,
          signal,
          sessionState: session.state,
          artifactService,
        }),
    });
    this.executors.push(executor);
    return executor;
  }
}

/** Sends a batch's answers, tagged with when its calls arrived (a resumed session may not know them). */
function answer(connection: TrackedConnection, batch: ToolBatch, outcome: ToolBatchOutcome): boolean {
  const { responses: functionResponses } = outcome;
  return connection.send({ kind: 'toolResponse', functionResponses, generation: batch.generation });
}

/** The event recording one value a streaming tool sent (`willContinue: true`), authored by the calling agent. */
export function progressEvent(
  invocationId: string,
  batch: ToolBatch,
  functionResponse: FunctionResponse,
): Event {
  const content = { role: 'user', parts: [{ functionResponse }] };
  return createEvent({ invocationId, author: batch.agent.name, content });
}

/** The event recording a batch's answers (cancelled calls included), authored by the calling agent. */
export function responseEvent(invocationId: string, batch: ToolBatch, outcome: ToolBatchOutcome): Event {
  const parts = outcome.recorded.map((functionResponse) => ({ functionResponse }));
  const { actions } = outcome;
  return createEvent({ invocationId, author: batch.agent.name, content: { role: 'user', parts }, actions });
}
