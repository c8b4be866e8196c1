import { InvalidArgumentError } from '@earshot/core';
import type { FunctionDeclaration, Schema } from '@google/genai';
import type { ToolContext } from './tool-context.js';

export interface FunctionToolOptions<Args extends Record<string, unknown>, Result> {
  /** The name the model calls; letters, digits, `_`, `.`, `:`, `-`, at most 64, starting with a letter or `_`. */
  name: string;
  description: string;
  /** JSON schema of the arguments object. */
  parameters?: Record<string, unknown>;
  /** Runs the call; may be async. A thrown error becomes an `{error: message}` response. */
  execute: (args: Args, toolContext: ToolContext) => Result | Promise<Result>;
  /** Overrides the runner's `toolTimeoutMs` for this tool. */
  timeoutMs?: number;
}

// The Gemini API's rule for function names.
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

/** A function the live model can call. */
export class FunctionTool<Args extends Record<string, unknown> = Record<string, unknown>, Result = unknown> {
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown> | undefined;
  readonly timeoutMs: number | undefined;
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
    this.name = options.name;
    this.description = options.description ?? '';
    // Copied so later changes by the caller (or the SDK, which rewrites schemas) cannot leak in.
    this.parameters = options.parameters === undefined ? undefined : structuredClone(options.parameters);
    this.timeoutMs = options.timeoutMs;
    this.run = options.execute;
  }

  /** Runs the tool with the model's arguments. */
  async execute(args: Args, toolContext: ToolContext): Promise<Result> {
    return this.run(args, toolContext);
  }

  /** A fresh declaration for one connect (the SDK mutates what it is given). */
  declaration(): FunctionDeclaration {
    const declaration: FunctionDeclaration = { name: this.name, description: this.description };
    // A JSON schema goes in `parameters`: the SDK's tool transformer turns it into the API's Schema.
    if (this.parameters !== undefined) declaration.parameters = structuredClone(this.parameters) as Schema;
    return declaration;
  }
}
