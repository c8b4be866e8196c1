import { createEventActions } from '@earshot/core';
import type { FunctionCall } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { FunctionTool, type FunctionToolOptions } from '../src/tools/function-tool.js';
import { createToolContext, type ToolContext } from '../src/tools/tool-context.js';
import { ToolExecutor } from '../src/tools/tool-executor.js';

function executor(tools: FunctionTool[], defaultTimeoutMs = 30_000, state: Record<string, unknown> = {}) {
  const contexts: ToolContext[] = [];
  const tools_ = new ToolExecutor({
    tools,
    defaultTimeoutMs,
    makeContext: ({ call, toolName, signal }) => {
      const context = createToolContext({
        toolName,
        functionCallId: call.id,
        invocationId: 'e-1',
        agentName: 'helper',
        appName: 'app',
        userId: 'u',
        sessionId: 's',
        signal,
        sessionState: state,
        artifactService: undefined,
      });
      contexts.push(context);
      return context;
    },
  });
  return { tools: tools_, contexts };
}

const tool = (
  name: string,
  execute: FunctionToolOptions<Record<string, unknown>, unknown>['execute'],
  timeoutMs?: number,
) => new FunctionTool({ name, description: name, execute, timeoutMs });

const call = (id: string, name: string, args: Record<string, unknown> = {}): FunctionCall => ({
  id,
  name,
  args,
});

describe('ToolExecutor', () => {
  it('runs the calls of one message concurrently and answers in call order with their ids', async () => {
    let running = 0;
    let peak = 0;
    const slow = tool('slow', async (args) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 50));
      running -= 1;
      return { echo: args.n };
    });
    const { tools } = executor([slow]);
    const outcome = await tools.run([
      call('a', 'slow', { n: 1 }),
      call('b', 'slow', { n: 2 }),
      call('c', 'slow', { n: 3 }),
    ]);
    expect(peak).toBe(3);
    expect(outcome.responses).toEqual([
      { id: 'a', name: 'slow', response: { output: { echo: 1 } } },
      { id: 'b', name: 'slow', response: { output: { echo: 2 } } },
      { id: 'c', name: 'slow', response: { output: { echo: 3 } } },
    ]);
  });

  it('turns a thrown error and an unknown tool into error responses', async () => {
    const boom = tool('boom', () => {
      throw new Error('kaput');
    });
    const { tools } = executor([boom]);
    const outcome = await tools.run([call('a', 'boom'), call('b', 'nope')]);
    expect(outcome.responses).toEqual([
      { id: 'a', name: 'boom', response: { error: 'kaput' } },
      { id: 'b', name: 'nope', response: { error: 'unknown tool "nope"' } },
    ]);
  });

  it('answers a call that outlives its timeout with an error and aborts its signal', async () => {
    let seenSignal: AbortSignal | undefined;
    const hang = tool(
      'hang',
      (_args, context) => {
        seenSignal = context.signal;
        return new Promise(() => {});
      },
      50,
    );
    const { tools } = executor([hang]);
    const outcome = await tools.run([call('a', 'hang')]);
    expect(outcome.responses).toEqual([
      { id: 'a', name: 'hang', response: { error: 'tool "hang" timed out after 50 ms' } },
    ]);
    expect(seenSignal?.aborted).toBe(true);
  });

  it('drops cancelled calls from the answer and aborts them, keeping the others', async () => {
    const signals: Record<string, AbortSignal> = {};
    const wait = tool('wait', (args, context) => {
      signals[String(args.id)] = context.signal;
      return new Promise((resolve) => setTimeout(() => resolve('done'), Number(args.ms)));
    });
    const { tools } = executor([wait]);
    const running = tools.run([
      call('keep', 'wait', { id: 'keep', ms: 100 }),
      call('drop', 'wait', { id: 'drop', ms: 60_000 }),
    ]);
    expect(tools.inFlight).toBe(1);
    tools.cancel(['drop', 'unknown-id']);
    const outcome = await running;
    expect(signals.drop?.aborted).toBe(true);
    expect(signals.keep?.aborted).toBe(false);
    expect(outcome.responses).toEqual([{ id: 'keep', name: 'wait', response: { output: 'done' } }]);
    expect(tools.inFlight).toBe(0);
  });

  it('gives an empty answer when every call is cancelled', async () => {
    const wait = tool('wait', () => new Promise(() => {}));
    const { tools } = executor([wait]);
    const running = tools.run([call('x', 'wait')]);
    tools.cancel(['x']);
    expect((await running).responses).toEqual([]);
  });

  it('abortAll ends every running call as cancelled', async () => {
    const wait = tool('wait', () => new Promise(() => {}));
    const { tools } = executor([wait]);
    const running = tools.run([call('x', 'wait'), { name: 'wait', args: {} }]);
    tools.abortAll();
    expect((await running).responses).toEqual([]);
  });

  it('merges state writes of the calls onto the outcome actions and lets tools read session state', async () => {
    const counter = tool('count', (args, context) => {
      const seen = context.state.get('count');
      context.state.set(`seen:${String(args.k)}`, seen);
      context.state.set('temp:scratch', 1);
      return context.state.has('count');
    });
    const { tools } = executor([counter], 30_000, { count: 4 });
    const outcome = await tools.run([call('a', 'count', { k: 'a' }), call('b', 'count', { k: 'b' })]);
    expect(outcome.responses.map((r) => r.response)).toEqual([{ output: true }, { output: true }]);
    expect(outcome.actions).toEqual(
      createEventActions({ stateDelta: { 'seen:a': 4, 'seen:b': 4, 'temp:scratch': 1 } }),
    );
  });

  it('answers a result that cannot be serialized with an error', async () => {
    const { tools } = executor([tool('big', () => ({ n: 1n }))]);
    const [response] = (await tools.run([call('a', 'big')])).responses;
    expect(response?.response?.error).toMatch(/BigInt/);
  });

  it('maps undefined results to null output', async () => {
    const { tools } = executor([tool('noop', () => undefined)]);
    expect((await tools.run([call('a', 'noop')])).responses[0]?.response).toEqual({ output: null });
  });
});
