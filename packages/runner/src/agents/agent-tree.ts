import { InvalidArgumentError } from '@earshot/core';
import type { SessionResumptionConfig } from '@google/genai';
import type { ConnectionTarget } from '../connection/connection-opener.js';
import { FunctionTool } from '../tools/function-tool.js';
import type { LlmAgent } from './llm-agent.js';

/** Name of the built-in tool an agent gets when it has another agent to hand over to. */
export const TRANSFER_TOOL_NAME = 'transfer_to_agent';

/**
 * Session-state key naming the agent whose live session the saved resumption handle belongs
 * to, so that a later run resumes it with that agent's instruction and tools. Written only when
 * the agent tree has more than one agent.
 */
export const LIVE_AGENT_KEY = 'earshot:liveAgent';

interface Node {
  agent: LlmAgent;
  parent: LlmAgent | undefined;
  targets: LlmAgent[];
  tools: readonly FunctionTool[];
  instruction: string | undefined;
}

/**
 * The root agent and its sub-agents, by name. An agent may transfer the live conversation to
 * its sub-agents and back to its parent (not to siblings); each such agent gets the built-in
 * `transfer_to_agent` tool and a line per target appended to its instruction.
 */
export class AgentTree {
  readonly root: LlmAgent;
  private readonly nodes = new Map<string, Node>();

  constructor(root: LlmAgent) {
    this.root = root;
    this.add(root, undefined);
    for (const node of this.nodes.values()) {
      node.targets = [...node.agent.subAgents, ...(node.parent ? [node.parent] : [])];
      if (node.targets.length === 0) continue;
      if (node.agent.tools.some((tool) => tool.name === TRANSFER_TOOL_NAME)) {
        throw new InvalidArgumentError(
          `agent ${node.agent.name}: the tool name ${TRANSFER_TOOL_NAME} is reserved for agent transfer`,
          { field: 'tools' },
        );
      }
      node.tools = [...node.agent.tools, transferTool(node.targets)];
      node.instruction = withTransferNote(node.agent.instruction, node.targets, node.parent);
    }
  }

  /** True when a transfer is possible at all (more than one agent). */
  get hasTransfers(): boolean {
    return this.nodes.size > 1;
  }

  get(name: unknown): LlmAgent | undefined {
    return typeof name === 'string' ? this.nodes.get(name)?.agent : undefined;
  }

  /** What a connection for `agent` is made of. */
  connectionTarget(
    agent: LlmAgent,
    sessionResumption: SessionResumptionConfig | undefined,
  ): ConnectionTarget {
    const node = this.node(agent);
    return { agent, instruction: node.instruction, tools: node.tools, sessionResumption };
  }

  /** The agent a transfer from `from` to `name` goes to; undefined when `name` is not another agent. */
  transferTarget(from: LlmAgent, name: string | undefined): LlmAgent | undefined {
    const target = this.get(name);
    return target === from ? undefined : target;
  }

  /** The agents `agent` may hand over to. */
  targetsOf(agent: LlmAgent): readonly LlmAgent[] {
    return this.node(agent).targets;
  }

  /** The agent's tools plus, if it has targets, the transfer tool. */
  toolsOf(agent: LlmAgent): readonly FunctionTool[] {
    return this.node(agent).tools;
  }

  /** The system instruction the agent's connection gets. */
  instructionOf(agent: LlmAgent): string | undefined {
    return this.node(agent).instruction;
  }

  private node(agent: LlmAgent): Node {
    const node = this.nodes.get(agent.name);
    if (!node || node.agent !== agent)
      throw new InvalidArgumentError(`agent ${agent.name} is not in the tree`);
    return node;
  }

  private add(agent: LlmAgent, parent: LlmAgent | undefined): void {
    if (this.nodes.has(agent.name)) {
      // Names are the transfer targets and event authors: two agents may not share one.
      throw new InvalidArgumentError(`two agents named ${agent.name} in the agent tree`, {
        field: 'subAgents',
      });
    }
    this.nodes.set(agent.name, {
      agent,
      parent,
      targets: [],
      tools: agent.tools,
      instruction: agent.instruction,
    });
    for (const child of agent.subAgents) this.add(child, agent);
  }
}

function transferTool(targets: readonly LlmAgent[]): FunctionTool {
  const names = targets.map((agent) => agent.name);
  return new FunctionTool<{ agent_name?: unknown }, { transferred_to: string }>({
    name: TRANSFER_TOOL_NAME,
    description: 'Hands the live conversation over to another agent, who answers from then on.',
    parameters: {
      type: 'object',
      properties: { agent_name: { type: 'string', enum: names, description: 'The agent to hand over to.' } },
      required: ['agent_name'],
    },
    execute: ({ agent_name }, context) => {
      if (typeof agent_name !== 'string' || !names.includes(agent_name)) {
        throw new Error(
          `cannot transfer to ${JSON.stringify(agent_name)}; agents available: ${names.join(', ')}`,
        );
      }
      context.actions.transferToAgent = agent_name;
      return { transferred_to: agent_name };
    },
  });
}

function withTransferNote(
  instruction: string | undefined,
  targets: readonly LlmAgent[],
  parent: LlmAgent | undefined,
): string {
  const lines = targets.map((agent) => {
    const role = agent === parent ? ' (the agent that handed the conversation to you)' : '';
    return `- ${agent.name}${role}${agent.description ? `: ${agent.description}` : ''}`;
  });
  const note = [
    `When another agent is better suited to the request, call ${TRANSFER_TOOL_NAME} with its name:`,
    ...lines,
  ].join('\n');
  return instruction ? `${instruction}\n\n${note}` : note;
}
