import { clientFrameIs } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionTool } from '../src/tools/function-tool.js';
import { kindOf } from './helpers/collect.js';
import { FRAME_ENCODINGS, type LiveFixture, startLive, stopLive } from './helpers/live-fixture.js';

let fixture: LiveFixture | undefined;
afterEach(async () => {
  await stopLive(fixture);
  fixture = undefined;
});

const weather = new FunctionTool({
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: async (args: { city?: unknown }, context) => {
    context.state.set('last_city', args.city);
    return { city: args.city, temp: 21 };
  },
});
const failing = new FunctionTool({
  name: 'fail',
  description: 'always fails',
  execute: () => {
    throw new Error('backend unavailable');
  },
});

describe.each(FRAME_ENCODINGS)('tools end to end through the real SDK (%s frames)', (frames) => {
  it('answers a tool call before any turnComplete, in one toolResponse with every id', async () => {
    fixture = await startLive({ frames, tools: [weather, failing] });
    const { conn, run, queue } = fixture;
    conn.sendToolCall([
      { id: 'call-1', name: 'get_weather', args: { city: 'Paris' } },
      { id: 'call-2', name: 'fail', args: {} },
      { id: 'call-3', name: 'no_such_tool', args: {} },
    ]);
    const frame = await conn.waitFor(clientFrameIs.toolResponse);
    expect(frame).toEqual({
      toolResponse: {
        functionResponses: [
          { id: 'call-1', name: 'get_weather', response: { output: { city: 'Paris', temp: 21 } } },
          { id: 'call-2', name: 'fail', response: { error: 'backend unavailable' } },
          { id: 'call-3', name: 'no_such_tool', response: { error: 'unknown tool "no_such_tool"' } },
        ],
      },
    });
    // The model answers after the tool response: the run is still going.
    conn.sendOutputTranscription('It is 21 degrees.', { finished: true });
    conn.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true);
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(conn.received.filter(clientFrameIs.toolResponse)).toHaveLength(1);
    expect(run.events.map((e) => `${e.author}:${kindOf(e)}`)).toEqual([
      'helper:call',
      'helper:response',
      'helper:partial-out:It is 21 degrees.',
      'helper:out:It is 21 degrees.',
      'helper:turnComplete',
    ]);
    expect(await fixture.storedKinds()).toEqual([
      'call',
      'response',
      'out:It is 21 degrees.',
      'turnComplete',
    ]);
    const session = await fixture.sessionService.getSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
    });
    expect(session?.state.last_city).toBe('Paris');
    expect(session?.events[1]?.actions.stateDelta).toEqual({ last_city: 'Paris' });
  });

  it('cancellation aborts the running tool and no response is sent for it', async () => {
    let aborted = false;
    const slow = new FunctionTool({
      name: 'slow',
      description: 'slow',
      execute: (_args, context) =>
        new Promise((_resolve, reject) => {
          context.signal.addEventListener('abort', () => {
            aborted = true;
            reject(context.signal.reason);
          });
        }),
    });
    fixture = await startLive({ frames, tools: [slow, weather] });
    const { conn, run, queue } = fixture;
    conn.sendToolCall([{ id: 'slow-1', name: 'slow', args: {} }]);
    await run.waitFor((e) => kindOf(e) === 'call');
    conn.sendToolCallCancellation(['slow-1']);
    // A later call still works, and its response is the only one on the wire.
    conn.sendToolCall([{ id: 'call-2', name: 'get_weather', args: { city: 'Oslo' } }]);
    await conn.waitFor(clientFrameIs.toolResponseFor('call-2'));
    expect(aborted).toBe(true);
    queue.close();
    await run.done;
    await conn.closed;
    expect(
      conn.received.filter(clientFrameIs.toolResponse).map((f) => f.toolResponse?.functionResponses?.[0]?.id),
    ).toEqual(['call-2']);
    // The withdrawn call is answered in the session only: the stored history has no unanswered call.
    expect([...(await fixture.storedKinds())].sort()).toEqual(['call', 'call', 'response', 'response']);
  });

  it('a tool that outlives its timeout gets an error response', async () => {
    const hang = new FunctionTool({
      name: 'hang',
      description: 'hangs',
      execute: () => new Promise(() => {}),
    });
    fixture = await startLive({ frames, tools: [hang], toolTimeoutMs: 150 });
    const { conn } = fixture;
    conn.sendToolCall([{ id: 'h-1', name: 'hang', args: {} }]);
    expect(await conn.waitFor(clientFrameIs.toolResponseFor('h-1'))).toEqual({
      toolResponse: {
        functionResponses: [
          { id: 'h-1', name: 'hang', response: { error: 'tool "hang" timed out after 150 ms' } },
        ],
      },
    });
  });
});
