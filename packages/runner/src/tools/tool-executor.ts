import { createEventActions, type EventActions } from '@earshot/core';
import type { FunctionCall, FunctionResponse } from '@google/genai';
import type { ToolResponse } from '../plugins/runner-plugin.js';
import { NO_TELEMETRY, type RunTelemetry, type ToolOutcome } from '../telemetry/run-telemetry.js';
import { type FunctionTool, isAsyncIterable } from './function-tool.js';
import type { ToolContext } from './tool-context.js';
import type { ToolHooks } from './tool-hooks.js';

/** What one `toolCall` message produced once every call in it settled. */
export interface ToolBatchOutcome {
  /** One response per call that was not cancelled, in call order, each with its call's id: what the model gets. */
  responses: FunctionResponse[];
  /**
   * What the session records: every call's response in call order, a cancelled call's saying so
   * (`{error: 'cancelled: …'}`, never sent: the model withdrew the call or the run stopped), so
   * the stored history never holds a call without an answer.
   */
  recorded: FunctionResponse[];
  /** The merged actions of the calls that answered (state and artifact deltas …). */
  actions: EventActions;
}

export interface ToolExecutorOptions {
  tools: readonly FunctionTool[];
  /** Per-call limit unless the tool sets its own `timeoutMs` (a streaming tool: per value). */
  defaultTimeoutMs: number;
  makeContext: (request: { call: FunctionCall; toolName: string; signal: AbortSignal }) => ToolContext;
  /** Plugins' and the agent's tool hooks; undefined when there are none. */
  hooks?: ToolHooks;
  telemetry?: RunTelemetry;
}

/** Called with each value a streaming tool yields (a `willContinue: true` response), in order. */
export type ProgressListener = (response: FunctionResponse) => void;

type CallResult =
  | { kind: 'answered'; response: FunctionResponse; actions: EventActions | undefined }
  | { kind: 'cancelled'; reason: string };

/** Everything one call's run needs besides the call. */
interface CallRun {
  call: FunctionCall;
  tool: FunctionTool;
  context: ToolContext;
  /** Waits for `work`, or rejects when the call is cancelled or times out. */
  race: <T>(work: Promise<T>) => Promise<T>;
  /** (Re)starts the call's timeout. */
  arm: () => void;
  onProgress: ProgressListener | undefined;
  sent: number;
}

const NO_TOOLS: ReadonlyMap<string, FunctionTool> = new Map();
const NO_CONTROLLERS: readonly AbortController[] = [];

/** The executor's bookkeeping of calls in flight. */
class CallTables {
  /** Calls not yet answered, by call id (calls without an id cannot be cancelled). */
  readonly running = new Map<string, AbortController>();
  /** Every unsettled call, so `abortAll` reaches calls without an id too. */
  readonly unsettled = new Set<AbortController>();
  /** Calls iterating a stream: the end of the run's input stops them. */
  readonly streaming = new Set<AbortController>();
  readonly cancelledIds = new Set<string>();
}

/**
 * Runs the function calls of live `toolCall` messages: all calls of a message concurrently,
 * with a timeout each, cancellable by id. Never rejects: failures become `{error}` responses.
 * A streaming tool's values are handed to `onProgress` as they come; its final answer (the end
 * of the iteration) is the call's response.
 */
export class ToolExecutor {
  private readonly tools: ReadonlyMap<string, FunctionTool>;
  private readonly defaultTimeoutMs: number;
  private readonly makeContext: ToolExecutorOptions['makeContext'];
  private readonly hooks: ToolHooks | undefined;
  private readonly telemetry: RunTelemetry;
  /** Made at the first call: a run whose model never calls a tool keeps no tables for calls. */
  private tables: CallTables | undefined;
  private batchesInFlight = 0;

  constructor(options: ToolExecutorOptions) {
    this.tools =
      options.tools.length === 0 ? NO_TOOLS : new Map(options.tools.map((tool) => [tool.name, tool]));
    this.defaultTimeoutMs = options.defaultTimeoutMs;
    this.makeContext = options.makeContext;
    this.hooks = options.hooks;
    this.telemetry = options.telemetry ?? NO_TELEMETRY;
  }

  /** Batches started and not yet settled. */
  get inFlight(): number {
    return this.batchesInFlight;
  }

  /** True for a call of a tool declared `NON_BLOCKING` (it is answered on its own, not with its batch). */
  isNonBlocking(call: FunctionCall): boolean {
    return this.tools.get(call.name ?? '')?.nonBlocking === true;
  }

  private get calls(): CallTables {
    this.tables ??= new CallTables();
    return this.tables;
  }

  /** Runs every call of one message; resolves when all are answered or cancelled. */
  async run(calls: readonly FunctionCall[], onProgress?: ProgressListener): Promise<ToolBatchOutcome> {
    this.batchesInFlight += 1;
    try {
      const results = await Promise.all(calls.map((call) => this.runCall(call, onProgress)));
      const responses: FunctionResponse[] = [];
      const recorded: FunctionResponse[] = [];
      const actions = createEventActions();
      results.forEach((result, index) => {
        const call = calls[index] as FunctionCall;
        // A cancellation that arrived after the call finished still withdraws its answer.
        const withdrawn = call.id !== undefined && this.calls.cancelledIds.has(call.id);
        if (result.kind === 'cancelled' || withdrawn) {
          const reason = result.kind === 'cancelled' ? result.reason : 'cancelled by the model';
          recorded.push(answered(call, { error: `cancelled: ${reason}` }, undefined).response);
          return;
        }
        responses.push(result.response);
        recorded.push(result.response);
        if (result.actions) mergeActions(actions, result.actions);
      });
      for (const call of calls) if (call.id !== undefined) this.calls.cancelledIds.delete(call.id);
      return { responses, recorded, actions };
    } finally {
      this.batchesInFlight -= 1;
    }
  }

  /** The model withdrew these calls: abort them; they get no response. */
  cancel(ids: readonly string[]): void {
    for (const id of ids) {
      const controller = this.tables?.running.get(id);
      if (!controller) continue;
      this.calls.cancelledIds.add(id);
      controller.abort(new CallCancelled('cancelled by the model'));
    }
  }

  /** The run's input ended: streams are stopped (they would never end on their own). */
  stopStreams(): void {
    for (const controller of this.tables?.streaming ?? NO_CONTROLLERS) {
      controller.abort(new CallCancelled('the live run ended'));
    }
  }

  /** The run is stopping: abort everything still running. */
  abortAll(): void {
    for (const controller of this.tables?.unsettled ?? NO_CONTROLLERS) {
      controller.abort(new CallCancelled('the live run stopped'));
    }
  }

  private async runCall(call: FunctionCall, onProgress: ProgressListener | undefined): Promise<CallResult> {
    const name = call.name ?? '';
    const tool = this.tools.get(name);
    if (!tool) return answered(call, { error: `unknown tool ${JSON.stringify(name)}` }, undefined);
    const controller = new AbortController();
    const { running, unsettled, streaming } = this.calls;
    if (call.id !== undefined) running.set(call.id, controller);
    unsettled.add(controller);
    const timeoutMs = tool.timeoutMs ?? this.defaultTimeoutMs;
    const trace = this.telemetry.toolCall({ name, callId: call.id, behavior: tool.behavior });
    let outcome: ToolOutcome = 'ok';
    let failure: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let context: ToolContext | undefined;
    const stopped = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    stopped.catch(() => {});
    const run: Omit<CallRun, 'context'> = {
      call,
      tool,
      onProgress,
      sent: 0,
      // Once we stop waiting (timeout, cancel), a late rejection must not go unhandled.
      race: (work) => {
        work.catch(() => {});
        return Promise.race([work, stopped]);
      },
      arm: () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          controller.abort(new CallTimedOut(`tool ${JSON.stringify(name)} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      },
    };
    try {
      context = this.makeContext({ call, toolName: name, signal: controller.signal });
      const callRun: CallRun = { ...run, context };
      callRun.arm();
      const blocked = this.hooks && (await callRun.race(this.hooks.runBefore(hookCall(callRun))));
      if (blocked?.response !== undefined) {
        outcome = blocked.failed ? 'error' : 'blocked';
        return answered(call, blocked.response, context.actions, finalFields(tool, false));
      }
      const output = await callRun.race(trace.run(() => tool.execute(call.args ?? {}, callRun.context)));
      if (isAsyncIterable(output)) {
        streaming.add(controller);
        const last = await this.stream(callRun, output);
        const response = await this.answerOf(callRun, last);
        return answered(call, response, context.actions, finalFields(tool, true));
      }
      const response = await this.answerOf(callRun, output);
      return answered(call, response, context.actions, finalFields(tool, false));
    } catch (error) {
      if (error instanceof CallCancelled) {
        outcome = 'cancelled';
        return { kind: 'cancelled', reason: error.message };
      }
      outcome = error instanceof CallTimedOut ? 'timeout' : 'error';
      failure = messageOf(error);
      return answered(
        call,
        { error: failure },
        context?.actions,
        finalFields(tool, streaming.has(controller)),
      );
    } finally {
      clearTimeout(timer);
      trace.end(outcome, run.sent + 1, failure);
      unsettled.delete(controller);
      streaming.delete(controller);
      if (call.id !== undefined && running.get(call.id) === controller) running.delete(call.id);
    }
  }

  /** Hands each value on as a `willContinue: true` response; returns the iteration's return value. */
  private async stream(run: CallRun, iterable: AsyncIterable<unknown>): Promise<unknown> {
    const iterator = iterable[Symbol.asyncIterator]();
    try {
      for (;;) {
        run.arm();
        const step = await run.race(iterator.next());
        if (step.done) return step.value;
        const response = await this.answerOf(run, step.value);
        const { call, tool } = run;
        const fields = { ...finalFields(tool, false), willContinue: true };
        run.onProgress?.({ id: call.id, name: call.name, response, ...fields });
        run.sent += 1;
      }
    } catch (error) {
      // Cancelled, timed out or failed: stop the iteration (a generator's `finally` runs). A
      // cancelled stream is waited for (briefly), so its cleanup is done when the call settles.
      const stopping = Promise.resolve().then(() => iterator.return?.());
      stopping.catch(() => {});
      if (error instanceof CallCancelled) await settledWithin(stopping, STREAM_STOP_WAIT_MS);
      throw error;
    }
  }

  /** The response for one value: `{output}`, checked serializable, through the after hooks. */
  private async answerOf(run: CallRun, value: unknown): Promise<ToolResponse> {
    const response = { output: value ?? null };
    // The SDK serializes on send; a result it cannot serialize must fail this call, not the run.
    JSON.stringify(response);
    if (!this.hooks?.hasAfter) return response;
    const replaced = await run.race(this.hooks.runAfter(hookCall(run), response));
    JSON.stringify(replaced);
    return replaced;
  }
}

/** How long a cancelled stream's `return()` (its `finally`) is waited for. */
const STREAM_STOP_WAIT_MS = 1_000;

class CallCancelled extends Error {}
class CallTimedOut extends Error {}

function hookCall(run: CallRun) {
  return { tool: run.tool, args: run.call.args ?? {}, toolContext: run.context };
}

/** `scheduling` on every answer of a non-blocking tool; `willContinue: false` on a stream's last. */
function finalFields(tool: FunctionTool, streamed: boolean): Partial<FunctionResponse> {
  const fields: Partial<FunctionResponse> = {};
  const scheduling = tool.responseScheduling();
  if (scheduling !== undefined) fields.scheduling = scheduling;
  if (streamed) fields.willContinue = false;
  return fields;
}

function answered(
  call: FunctionCall,
  response: Record<string, unknown>,
  actions: EventActions | undefined,
  fields?: Partial<FunctionResponse>,
) {
  const functionResponse: FunctionResponse = { id: call.id, name: call.name, response, ...fields };
  return { kind: 'answered', response: functionResponse, actions } as const;
}

function mergeActions(into: EventActions, from: EventActions): void {
  Object.assign(into.stateDelta, from.stateDelta);
  Object.assign(into.artifactDelta, from.artifactDelta);
  if (from.escalate) into.escalate = true;
  if (from.transferToAgent !== undefined) into.transferToAgent = from.transferToAgent;
}

async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work.then(noop, noop), timeout]);
  clearTimeout(timer);
}

function noop(): void {}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
