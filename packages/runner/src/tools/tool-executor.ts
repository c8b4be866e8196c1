import { createEventActions, type EventActions } from '@earshot/core';
import type { FunctionCall, FunctionResponse } from '@google/genai';
import type { FunctionTool } from './function-tool.js';
import type { ToolContext } from './tool-context.js';

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
  /** Per-call limit unless the tool sets its own `timeoutMs`. */
  defaultTimeoutMs: number;
  makeContext: (request: { call: FunctionCall; toolName: string; signal: AbortSignal }) => ToolContext;
}

type CallResult =
  | { kind: 'answered'; response: FunctionResponse; actions: EventActions | undefined }
  | { kind: 'cancelled'; reason: string };

/**
 * Runs the function calls of live `toolCall` messages: all calls of a message concurrently,
 * with a timeout each, cancellable by id. Never rejects: failures become `{error}` responses.
 */
export class ToolExecutor {
  private readonly tools: Map<string, FunctionTool>;
  private readonly defaultTimeoutMs: number;
  private readonly makeContext: ToolExecutorOptions['makeContext'];
  /** Calls not yet answered, by call id (calls without an id cannot be cancelled). */
  private readonly running = new Map<string, AbortController>();
  /** Every unsettled call, so `abortAll` reaches calls without an id too. */
  private readonly unsettled = new Set<AbortController>();
  private readonly cancelledIds = new Set<string>();
  private batchesInFlight = 0;

  constructor(options: ToolExecutorOptions) {
    this.tools = new Map(options.tools.map((tool) => [tool.name, tool]));
    this.defaultTimeoutMs = options.defaultTimeoutMs;
    this.makeContext = options.makeContext;
  }

  /** Batches started and not yet settled. */
  get inFlight(): number {
    return this.batchesInFlight;
  }

  /** Runs every call of one message; resolves when all are answered or cancelled. */
  async run(calls: readonly FunctionCall[]): Promise<ToolBatchOutcome> {
    this.batchesInFlight += 1;
    try {
      const results = await Promise.all(calls.map((call) => this.runCall(call)));
      const responses: FunctionResponse[] = [];
      const recorded: FunctionResponse[] = [];
      const actions = createEventActions();
      results.forEach((result, index) => {
        const call = calls[index] as FunctionCall;
        // A cancellation that arrived after the call finished still withdraws its answer.
        const withdrawn = call.id !== undefined && this.cancelledIds.has(call.id);
        if (result.kind === 'cancelled' || withdrawn) {
          const reason = result.kind === 'cancelled' ? result.reason : 'cancelled by the model';
          recorded.push(answered(call, { error: `cancelled: ${reason}` }, undefined).response);
          return;
        }
        responses.push(result.response);
        recorded.push(result.response);
        if (result.actions) mergeActions(actions, result.actions);
      });
      for (const call of calls) if (call.id !== undefined) this.cancelledIds.delete(call.id);
      return { responses, recorded, actions };
    } finally {
      this.batchesInFlight -= 1;
    }
  }

  /** The model withdrew these calls: abort them; they get no response. */
  cancel(ids: readonly string[]): void {
    for (const id of ids) {
      const controller = this.running.get(id);
      if (!controller) continue;
      this.cancelledIds.add(id);
      controller.abort(new CallCancelled('cancelled by the model'));
    }
  }

  /** The run is stopping: abort everything still running. */
  abortAll(): void {
    for (const controller of this.unsettled) controller.abort(new CallCancelled('the live run stopped'));
  }

  private async runCall(call: FunctionCall): Promise<CallResult> {
    const name = call.name ?? '';
    const tool = this.tools.get(name);
    if (!tool) return answered(call, { error: `unknown tool ${JSON.stringify(name)}` }, undefined);
    const controller = new AbortController();
    if (call.id !== undefined) this.running.set(call.id, controller);
    this.unsettled.add(controller);
    const timeoutMs = tool.timeoutMs ?? this.defaultTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let context: ToolContext | undefined;
    try {
      context = this.makeContext({ call, toolName: name, signal: controller.signal });
      const execution = tool.execute(call.args ?? {}, context);
      // Once we stop waiting (timeout, cancel), a late rejection must not go unhandled.
      execution.catch(() => {});
      const stopped = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort(new CallTimedOut(`tool ${JSON.stringify(name)} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      const output = await Promise.race([execution, stopped]);
      const response = { output: output ?? null };
      // The SDK serializes on send; a result it cannot serialize must fail this call, not the run.
      JSON.stringify(response);
      return answered(call, response, context.actions);
    } catch (error) {
      if (error instanceof CallCancelled) return { kind: 'cancelled', reason: error.message };
      return answered(call, { error: messageOf(error) }, context?.actions);
    } finally {
      clearTimeout(timer);
      this.unsettled.delete(controller);
      if (call.id !== undefined && this.running.get(call.id) === controller) this.running.delete(call.id);
    }
  }
}

class CallCancelled extends Error {}
class CallTimedOut extends Error {}

function answered(call: FunctionCall, response: Record<string, unknown>, actions: EventActions | undefined) {
  const functionResponse: FunctionResponse = { id: call.id, name: call.name, response };
  return { kind: 'answered', response: functionResponse, actions } as const;
}

function mergeActions(into: EventActions, from: EventActions): void {
  Object.assign(into.stateDelta, from.stateDelta);
  Object.assign(into.artifactDelta, from.artifactDelta);
  if (from.escalate) into.escalate = true;
  if (from.transferToAgent !== undefined) into.transferToAgent = from.transferToAgent;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
