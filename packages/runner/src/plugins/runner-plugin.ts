import type { Event } from '@earshot/core';
import type { FunctionTool } from '../tools/function-tool.js';
import type { ToolContext } from '../tools/tool-context.js';

/** The run a hook is called for. */
export interface PluginRunInfo {
  readonly appName: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly invocationId: string;
}

/** A model connection the run just adopted (set up and current). */
export interface PluginConnectionInfo {
  readonly run: PluginRunInfo;
  /** Counts the run's connections from 1. */
  readonly connectionId: number;
  readonly agentName: string;
  readonly model: string;
  readonly reason: 'start' | 'reconnect' | 'transfer';
  /** True when it resumed a Gemini session from a handle. */
  readonly resumed: boolean;
}

/** The `response` object a function call answers with: `{output: value}` or `{error: message}`, or a hook's own. */
export type ToolResponse = Record<string, unknown>;

/** A function call about to run (or that ran), as tool hooks see it. */
export interface ToolCallInfo {
  readonly tool: FunctionTool;
  readonly args: Record<string, unknown>;
  readonly toolContext: ToolContext;
}

export type MaybePromise<T> = T | Promise<T>;

/** What a tool hook returns: a response, or nothing (`undefined`, or a body without `return`). */
// biome-ignore lint/suspicious/noConfusingVoidType: `void` lets `() => { log() }` be a hook that returns nothing
export type HookResult = ToolResponse | undefined | void;

/**
 * Returns a response to answer the call with instead of running the tool (a guardrail), or
 * undefined to let it run. ADK's `beforeToolCallback`.
 */
export type BeforeToolCallback = (call: ToolCallInfo) => MaybePromise<HookResult>;
/**
 * Returns a response to send (and store) instead of `response`, or undefined to keep it (a
 * redaction). Called for every answer, each value of a streaming tool included. ADK's `afterToolCallback`.
 */
export type AfterToolCallback = (
  call: ToolCallInfo & { readonly response: ToolResponse },
) => MaybePromise<HookResult>;

/**
 * Observes or steers every run of a Runner. Every hook is optional. Observers (`onRunStart`,
 * `onConnection`, `onEvent`, `onRunEnd`) are delivered in order, one at a time per plugin, off
 * the run's processing loop: a slow one delays only its own later notifications, never the
 * run. Tool hooks steer and are awaited, on the call's own path (the model waits for a
 * blocking call anyway). A hook that throws is reported as an error event (`PLUGIN_ERROR`).
 */
export interface RunnerPlugin {
  /** Names the plugin in error reports. */
  readonly name: string;
  onRunStart?(run: PluginRunInfo): MaybePromise<void>;
  onConnection?(connection: PluginConnectionInfo): MaybePromise<void>;
  /** Every event the run hands to the caller, in order; read-only (the same object is yielded). */
  onEvent?(event: Readonly<Event>, run: PluginRunInfo): MaybePromise<void>;
  /** After the run's last event; `error` is what the run ends with, if it failed. */
  onRunEnd?(run: PluginRunInfo & { readonly error: unknown }): MaybePromise<void>;
  beforeToolCall?: BeforeToolCallback;
  afterToolCall?: AfterToolCallback;
}
