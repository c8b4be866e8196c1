import { InvalidArgumentError } from '@earshot/core';
import { GeminiLiveModel } from '../connection/gemini-live-model.js';
import type { LiveModel } from '../connection/live-model.js';
import type { AfterToolCallback, BeforeToolCallback } from '../plugins/runner-plugin.js';
import type { FunctionTool } from '../tools/function-tool.js';

export interface LlmAgentOptions {
  /** Authors the agent's events; must not be `'user'`. */
  name: string;
  /** A model name (a `GeminiLiveModel` with the default client settings) or a `LiveModel`. */
  model: string | LiveModel;
  /** Becomes the live session's system instruction. */
  instruction?: string;
  tools?: readonly FunctionTool[];
  subAgents?: readonly LlmAgent[];
  description?: string;
  /** Before each of this agent's tool calls (after the plugins'): a returned response replaces the call. */
  beforeToolCallback?: BeforeToolCallback | readonly BeforeToolCallback[];
  /** After each answer of this agent's tools (after the plugins'): a returned response replaces it. */
  afterToolCallback?: AfterToolCallback | readonly AfterToolCallback[];
}

// Names appear in events, branches and (later) transfer targets: keep them identifier-like.
const AGENT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** An agent that talks through a live model, with an instruction and tools. */
export class LlmAgent {
  readonly name: string;
  readonly model: LiveModel;
  readonly instruction: string | undefined;
  readonly tools: readonly FunctionTool[];
  readonly subAgents: readonly LlmAgent[];
  readonly description: string | undefined;
  readonly beforeToolCallback: readonly BeforeToolCallback[];
  readonly afterToolCallback: readonly AfterToolCallback[];

  constructor(options: LlmAgentOptions) {
    if (typeof options?.name !== 'string' || !AGENT_NAME.test(options.name) || options.name === 'user') {
      throw new InvalidArgumentError(`invalid agent name ${JSON.stringify(options?.name)}`, {
        field: 'name',
      });
    }
    this.name = options.name;
    this.model =
      typeof options.model === 'string' ? new GeminiLiveModel({ model: options.model }) : options.model;
    if (!this.model || typeof this.model.connect !== 'function') {
      throw new InvalidArgumentError('model must be a model name or a LiveModel', { field: 'model' });
    }
    this.instruction = options.instruction;
    this.tools = [...(options.tools ?? [])];
    const names = new Set<string>();
    for (const tool of this.tools) {
      if (names.has(tool.name)) {
        throw new InvalidArgumentError(`agent ${this.name}: two tools named ${tool.name}`, {
          field: 'tools',
        });
      }
      names.add(tool.name);
    }
    this.subAgents = [...(options.subAgents ?? [])];
    this.description = options.description;
    this.beforeToolCallback = callbacks(this.name, 'beforeToolCallback', options.beforeToolCallback);
    this.afterToolCallback = callbacks(this.name, 'afterToolCallback', options.afterToolCallback);
  }
}

function callbacks<F>(agent: string, field: string, value: F | readonly F[] | undefined): readonly F[] {
  const list = value === undefined ? [] : Array.isArray(value) ? [...value] : [value as F];
  if (list.some((fn) => typeof fn !== 'function')) {
    throw new InvalidArgumentError(`agent ${agent}: ${field} must be a function or an array of functions`, {
      field,
    });
  }
  return list;
}
