import {
  type Event,
  InMemorySessionService,
  InvalidArgumentError,
  LIVE_RESUMPTION_HANDLE_KEY,
} from '@earshot/core';
import { liveServerFrames as frames } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { LIVE_AGENT_KEY, TRANSFER_TOOL_NAME } from '../src/agents/agent-tree.js';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { Runner } from '../src/runner.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { APP, SESSION, startScriptedRun, USER } from './helpers/fixture.js';
import { ScriptedLiveModel } from './helpers/scripted-live-model.js';

const isKind = (kind: string) => (event: Event) => kindOf(event) === kind;
const transferCall = (id: string, agentName: unknown) =>
  frames.toolCall([
    { id, name: TRANSFER_TOOL_NAME, args: { agent_name: agentName } as Record<string, unknown> },
  ]);

function agents(model: ScriptedLiveModel) {
  const invoice = new FunctionTool({
    name: 'get_invoice',
    description: 'An invoice',
    execute: () => ({ total: 3 }),
  });
  const billing = new LlmAgent({
    name: 'billing',
    model,
    instruction: 'Answer billing questions.',
    description: 'Handles invoices',
    tools: [invoice],
  });
  const concierge = new LlmAgent({
    name: 'concierge',
    model,
    instruction: 'Route the caller.',
    subAgents: [billing],
  });
  return { concierge, billing };
}

describe('transferToAgent (scripted model)', () => {
  it('gives agents with a transfer target the transfer tool and a note listing the targets', async () => {
    const model = new ScriptedLiveModel();
    const { conn, queue, run } = await startScriptedRun({ model, agent: agents(model).concierge });
    expect(conn.config.systemInstruction).toBe(
      'Route the caller.\n\nWhen another agent is better suited to the request, call transfer_to_agent with its name:\n- billing: Handles invoices',
    );
    expect(conn.config.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: TRANSFER_TOOL_NAME,
            description: 'Hands the live conversation over to another agent, who answers from then on.',
            parameters: {
              type: 'object',
              properties: {
                agent_name: { type: 'string', enum: ['billing'], description: 'The agent to hand over to.' },
              },
              required: ['agent_name'],
            },
          },
        ],
      },
    ]);
    queue.close();
    await run.done;
  });

  it('answers the call, records the transfer, then talks to the target on a new connection with its setup', async () => {
    const model = new ScriptedLiveModel();
    const { conn, queue, run, stored } = await startScriptedRun({
      model,
      agent: agents(model).concierge,
      runConfig: { sessionResumption: {} },
    });
    conn.receive(frames.resumptionUpdate('concierge-h'), frames.outputTranscription('One moment'));
    conn.receive(transferCall('t1', 'billing'));
    const second = await model.nextConnection(1);
    expect(conn.sent).toEqual([
      {
        kind: 'toolResponse',
        functionResponses: [
          { id: 't1', name: TRANSFER_TOOL_NAME, response: { output: { transferred_to: 'billing' } } },
        ],
      },
    ]);
    expect(conn.isClosed).toBe(true);
    // Its own instruction and tools, and never the other agent's handle.
    expect(second.config.sessionResumption).toEqual({});
    expect(second.config.systemInstruction).toMatch(
      /^Answer billing questions\.\n\n.*\n- concierge \(the agent that handed/,
    );
    const names = second.config.tools?.flatMap((t) =>
      'functionDeclarations' in t ? (t.functionDeclarations ?? []) : [],
    );
    expect(names?.map((d) => d.name)).toEqual(['get_invoice', TRANSFER_TOOL_NAME]);
    // The new agent gets the conversation so far as context, without a turn of its own.
    expect(second.sent).toEqual([
      { kind: 'content', turns: [{ role: 'model', parts: [{ text: 'One moment' }] }], turnComplete: false },
    ]);
    second.receive(frames.outputTranscription('Your invoice', true), frames.turnComplete());
    await run.waitFor(isKind('turnComplete'));
    // Back to the parent.
    second.receive(transferCall('t2', 'concierge'));
    const third = await model.nextConnection(2);
    expect(third.config.systemInstruction).toMatch(/^Route the caller\./);
    expect(third.sent[0]).toEqual({
      kind: 'content',
      turns: [{ role: 'model', parts: [{ text: 'One moment\nYour invoice' }] }],
      turnComplete: false,
    });
    queue.close();
    await run.done;
    expect(run.events.map((e) => [e.author, kindOf(e)])).toEqual([
      ['concierge', 'resumption'],
      ['concierge', 'partial-out:One moment'],
      ['concierge', 'call'],
      ['concierge', 'out:One moment'],
      ['concierge', 'response'],
      ['billing', 'partial-out:Your invoice'],
      ['billing', 'out:Your invoice'],
      ['billing', 'turnComplete'],
      ['billing', 'call'],
      ['billing', 'response'],
    ]);
    const responses = (await stored()).filter(isKind('response'));
    expect(responses.map((e) => e.actions.transferToAgent)).toEqual(['billing', 'concierge']);
    expect(responses[0]?.actions.stateDelta).toEqual({
      [LIVE_RESUMPTION_HANDLE_KEY]: null,
      [LIVE_AGENT_KEY]: 'billing',
    });
  });

  it('a transfer to an unknown agent is an error answer, not a transfer', async () => {
    const model = new ScriptedLiveModel();
    const { conn, queue, run } = await startScriptedRun({ model, agent: agents(model).concierge });
    conn.receive(transferCall('t1', 'nobody'));
    await run.waitFor(isKind('response'));
    expect(conn.sent[0]).toMatchObject({
      functionResponses: [{ response: { error: 'cannot transfer to "nobody"; agents available: billing' } }],
    });
    expect(model.connections).toHaveLength(1);
    queue.close();
    await run.done;
  });

  it('a later run resumes the session of the agent that was active, from its handle', async () => {
    const sessionService = new InMemorySessionService();
    const model = new ScriptedLiveModel();
    const first = await startScriptedRun({ model, sessionService, agent: agents(model).concierge });
    first.conn.receive(transferCall('t1', 'billing'));
    const billingConn = await model.nextConnection(1);
    billingConn.receive(frames.resumptionUpdate('billing-h'), frames.turnComplete());
    await first.run.waitFor(isKind('turnComplete'));
    first.queue.close();
    await first.run.done;
    const session = await sessionService.getSession({ appName: APP, userId: USER, sessionId: SESSION });
    expect(session?.state).toMatchObject({
      [LIVE_RESUMPTION_HANDLE_KEY]: 'billing-h',
      [LIVE_AGENT_KEY]: 'billing',
    });
    const model2 = new ScriptedLiveModel();
    const second = await startScriptedRun({
      model: model2,
      sessionService,
      agent: agents(model2).concierge,
      runConfig: { sessionResumption: {} },
    });
    expect(second.conn.config.sessionResumption).toEqual({ handle: 'billing-h' });
    expect(second.conn.config.systemInstruction).toMatch(/^Answer billing questions\./);
    second.conn.receive(frames.turnComplete());
    await second.run.waitFor(isKind('turnComplete'));
    expect(second.run.events.at(-1)?.author).toBe('billing');
    second.queue.close();
    await second.run.done;
  });

  it('rejects agent trees with duplicate names or a tool named like the transfer tool', () => {
    const model = new ScriptedLiveModel();
    const sessionService = new InMemorySessionService();
    const twin = new LlmAgent({ name: 'twin', model });
    const root = new LlmAgent({
      name: 'root',
      model,
      subAgents: [twin, new LlmAgent({ name: 'twin', model })],
    });
    expect(() => new Runner({ appName: APP, agent: root, sessionService })).toThrow(InvalidArgumentError);
    const clash = new FunctionTool({ name: TRANSFER_TOOL_NAME, description: 'mine', execute: () => null });
    const withClash = new LlmAgent({ name: 'root', model, tools: [clash], subAgents: [twin] });
    expect(() => new Runner({ appName: APP, agent: withClash, sessionService })).toThrow(/reserved/);
    // Without a transfer target, the name is the agent's own business.
    expect(
      () =>
        new Runner({
          appName: APP,
          agent: new LlmAgent({ name: 'solo', model, tools: [clash] }),
          sessionService,
        }),
    ).not.toThrow();
  });
});
