import { PluginError } from '@earshot/core';
import type { LlmAgent } from '../agents/llm-agent.js';
import type {
  AfterToolCallback,
  BeforeToolCallback,
  RunnerPlugin,
  ToolCallInfo,
  ToolResponse,
} from '../plugins/runner-plugin.js';

interface Hook<F> {
  source: string;
  fn: F;
}

/** What a hook decided: keep going, or answer with this response (a hook's own, or its failure's). */
export type HookDecision = { response: ToolResponse | undefined; failed: boolean };

/**
 * The tool hooks of one agent's calls, in ADK's order: every plugin's `beforeToolCall`, then the
 * agent's `beforeToolCallback`s; the first to return a response answers the call and the tool
 * does not run. After: plugins' `afterToolCall`, then the agent's `afterToolCallback`s; the first
 * to return a response replaces it. A hook that throws (or returns something that is not an
 * object) fails closed: the call is answered with an `{error}` saying so (the tool does not run,
 * or its result is withheld, since a broken guardrail or redaction must not let a call or its
 * data through), and the failure is reported as a `PluginError`.
 */
export class ToolHooks {
  private readonly before: Hook<BeforeToolCallback>[] = [];
  private readonly after: Hook<AfterToolCallback>[] = [];

  constructor(
    sources: ReadonlyArray<{
      source: string;
      before?: BeforeToolCallback | readonly BeforeToolCallback[];
      after?: AfterToolCallback | readonly AfterToolCallback[];
    }>,
    private readonly report: (error: PluginError) => void,
  ) {
    for (const { source, before, after } of sources) {
      for (const fn of listOf(before)) this.before.push({ source, fn });
      for (const fn of listOf(after)) this.after.push({ source, fn });
    }
  }

  get isEmpty(): boolean {
    return this.before.length === 0 && this.after.length === 0;
  }

  get hasAfter(): boolean {
    return this.after.length > 0;
  }

  /** A response that replaces the call, or undefined to run the tool. */
  async runBefore(call: ToolCallInfo): Promise<HookDecision> {
    for (const { source, fn } of this.before) {
      const decision = await this.call(source, 'beforeToolCall', 'blocked', () => fn(call));
      if (decision.response !== undefined) return decision;
    }
    return { response: undefined, failed: false };
  }

  /** The response to send: a hook's replacement, or `response` itself. */
  async runAfter(call: ToolCallInfo, response: ToolResponse): Promise<ToolResponse> {
    const info = { ...call, response };
    for (const { source, fn } of this.after) {
      const decision = await this.call(source, 'afterToolCall', 'response withheld', () => fn(info));
      if (decision.response !== undefined) return decision.response;
    }
    return response;
  }

  private async call(
    source: string,
    hook: string,
    failedAs: string,
    invoke: () => unknown,
  ): Promise<HookDecision> {
    let returned: unknown;
    try {
      returned = await invoke();
    } catch (error) {
      return this.failed(source, hook, failedAs, `threw: ${messageOf(error)}`, error);
    }
    if (returned === undefined || returned === null) return { response: undefined, failed: false };
    if (typeof returned !== 'object' || Array.isArray(returned)) {
      return this.failed(source, hook, failedAs, 'returned something that is not a response object');
    }
    return { response: returned as ToolResponse, failed: false };
  }

  private failed(
    source: string,
    hook: string,
    failedAs: string,
    what: string,
    cause?: unknown,
  ): HookDecision {
    const label = source.startsWith('agent ') ? source : `plugin ${source}`;
    const message = `${label} ${hook} ${what}`;
    this.report(new PluginError(message, { source, hook, cause }));
    return { response: { error: `${failedAs}: ${message}` }, failed: true };
  }
}

function listOf<F>(value: F | readonly F[] | undefined): readonly F[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value as F];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/** The hooks of an agent's tool calls: every plugin's, then the agent's own (ADK's order); undefined if none. */
export function toolHooksFor(
  plugins: readonly RunnerPlugin[],
  agent: LlmAgent,
  report: (error: PluginError) => void,
): ToolHooks | undefined {
  const sources = plugins.map((plugin) => ({
    source: plugin.name,
    before: plugin.beforeToolCall && ((call: ToolCallInfo) => plugin.beforeToolCall?.(call)),
    after:
      plugin.afterToolCall &&
      ((call: ToolCallInfo & { readonly response: ToolResponse }) => plugin.afterToolCall?.(call)),
  }));
  const hooks = new ToolHooks(
    [
      ...sources,
      { source: `agent ${agent.name}`, before: agent.beforeToolCallback, after: agent.afterToolCallback },
    ],
    report,
  );
  return hooks.isEmpty ? undefined : hooks;
}
