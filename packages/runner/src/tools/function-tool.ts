import { InvalidArgumentError } from '@earshot/core';
import { Behavior, type FunctionDeclaration, FunctionResponseScheduling, type Schema } from '@google/genai';
import type { ToolContext } from './tool-context.js';

/** How the model waits for a call: `BLOCKING` stops talking until answered; `NON_BLOCKING` goes on. */
export type ToolBehavior = 'BLOCKING' | 'NON_BLOCKING';
/** When the model takes a non-blocking answer: at once, once it is idle (the default), or silently. */
export type ToolScheduling = 'INTERRUPT' | 'WHEN_IDLE' | 'SILENT';

/** What `execute` returns: a value (or a promise of one), or an async iterable of values (a streaming tool). */
export type ToolOutput<Result> = Result | Promise<Result> | AsyncIterable<Result>;

export interface FunctionToolOptions<Args extends Record<string, unknown>, Result> {
  /** The name the model calls; letters, digits, `_`, `.`, `:`, `-`, at most 64, starting with a letter or `_`. */
  name: string;
  description: string;
  /** JSON schema of the arguments object. */
  parameters?: Record<string, unknown>;
  /**
   * Runs the call; may be async. A thrown error becomes an `{error: message}` response. Returning
   * an async iterable (an `async function*`) makes a streaming tool: each value is sent with
   * `willContinue: true`, the end of the iteration (its return value) with `willContinue: false`.
   */
  execute: (args: Args, toolContext: ToolContext) => ToolOutput<Result>;
  /** Overrides the runner's `toolTimeoutMs` for this tool (a streaming tool: for each value). */
  timeoutMs?: number;
  /** Default `BLOCKING`; `NON_BLOCKING` when `execute` is an `async function*`. */
  behavior?: ToolBehavior;
  /** How a `NON_BLOCKING` tool's answers are taken (default `WHEN_IDLE`); only for non-blocking tools. */
  scheduling?: ToolScheduling;
}

// The Gemini API's rule for function names.
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const BEHAVIORS: readonly ToolBehavior[] = ['BLOCKING', 'NON_BLOCKING'];
const SCHEDULINGS: readonly ToolScheduling[] = ['INTERRUPT', 'WHEN_IDLE', 'SILENT'];

/** A function the live model can call. */
export class FunctionTool<Args extends Record<string, unknown> = Record<string, unknown>, Result = unknown> {
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown> | undefined;
  readonly timeoutMs: number | undefined;
  readonly behavior: ToolBehavior;
  /** Set on every answer of a non-blocking tool; undefined for a blocking one. */
  readonly scheduling: ToolScheduling | undefined;
  private readonly run: FunctionToolOptions<Args, Result>['execute'];

  constructor(options: FunctionToolOptions<Args, Result>) {
    if (typeof options?.name !== 'string' || !FUNCTION_NAME.test(options.name)) {
      throw new InvalidArgumentError(`invalid tool name ${JSON.stringify(options?.name)}`, { field: 'name' });
    }
    if (typeof options.execute !== 'function') {
      throw new InvalidArgumentError(`tool ${options.name}: execute must be a function`, {
        field: 'execute',
      });
    }
    if (options.timeoutMs !== undefined && (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0)) {
      throw new InvalidArgumentError(`tool ${options.name}: timeoutMs must be a positive number`, {
        field: 'timeoutMs',
      });
    }
    const generator = options.execute.constructor?.name === 'AsyncGeneratorFunction';
    const behavior = options.behavior ?? (generator ? 'NON_BLOCKING' : 'BLOCKING');
    if (!BEHAVIORS.includes(behavior)) {
      throw new InvalidArgumentError(`tool ${options.name}: behavior must be BLOCKING or NON_BLOCKING`, {
        field: 'behavior',
      });
    }
    if (options.scheduling !== undefined && !SCHEDULINGS.includes(options.scheduling)) {
      throw new InvalidArgumentError(
        `tool ${options.name}: scheduling must be INTERRUPT, WHEN_IDLE or SILENT`,
        {
          field: 'scheduling',
        },
      );
    }
    if (options.scheduling !== undefined && behavior !== 'NON_BLOCKING') {
      // The API ignores scheduling on a blocking call: saying so beats silently dropping it.
      throw new InvalidArgumentError(`tool ${options.name}: scheduling needs behavior NON_BLOCKING`, {
        field: 'scheduling',
      });
    }
    this.name = options.name;
    this.description = options.description ?? '';
    // Copied so later changes by the caller (or the SDK, which rewrites schemas) cannot leak in.
    this.parameters = options.parameters === undefined ? undefined : structuredClone(options.parameters);
    this.timeoutMs = options.timeoutMs;
    this.behavior = behavior;
    this.scheduling = behavior === 'NON_BLOCKING' ? (options.scheduling ?? 'WHEN_IDLE') : undefined;
    this.run = options.execute;
  }

  /** True for a tool the model keeps talking over. */
  get nonBlocking(): boolean {
    return this.behavior === 'NON_BLOCKING';
  }

  /** Runs the tool with the model's arguments: a value, or an async iterable for a streaming tool. */
  async execute(args: Args, toolContext: ToolContext): Promise<Result | AsyncIterable<Result>> {
    return this.run(args, toolContext);
  }

  /** A fresh declaration for one connect (the SDK mutates what it is given). */
  declaration(): FunctionDeclaration {
    const declaration: FunctionDeclaration = { name: this.name, description: this.description };
    // A JSON schema goes in `parameters`: the SDK's tool transformer turns it into the API's Schema.
    if (this.parameters !== undefined) declaration.parameters = structuredClone(this.parameters) as Schema;
    if (this.nonBlocking) declaration.behavior = Behavior.NON_BLOCKING;
    return declaration;
  }

  /** The `scheduling` an answer carries (the SDK's enum), undefined for a blocking tool. */
  responseScheduling(): FunctionResponseScheduling | undefined {
    return this.scheduling === undefined ? undefined : FunctionResponseScheduling[this.scheduling];
  }
}

/** True for what a streaming tool returns (strings are iterable, but not async iterable). */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}
