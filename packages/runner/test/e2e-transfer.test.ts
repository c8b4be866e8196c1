import { InMemorySessionService } from '@earshot/core';
import { type FakeLiveConnection, FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSFER_TOOL_NAME } from '../src/agents/agent-tree.js';
import { LlmAgent } from '../src/agents/llm-agent.js';
import { GeminiLiveModel } from '../src/connection/gemini-live-model.js';
import { LiveRequestQueue } from '../src/input/live-request-queue.js';
import { Runner } from '../src/runner.js';
import { FunctionTool } from '../src/tools/function-tool.js';
import { collect, kindOf } from './helpers/collect.js';
import { ObservedModel } from './helpers/observed-model.js';
import { TestRecorder } from './helpers/test-recorder.js';
import { waitUntil } from './helpers/wait.js';

let server: FakeLiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const declarationNames = (conn: FakeLiveConnection) =>
  (
    (conn.setup?.tools as Array<{ functionDeclarations?: Array<{ name: string }> }> | undefined) ?? []
  ).flatMap((tool) => (tool.functionDeclarations ?? []).map((d) => d.name));
const instructionOf = (conn: FakeLiveConnection) =>
  (conn.setup?.systemInstruction as { parts?: Array<{ text?: string }> } | undefined)?.parts?.[0]?.text ?? '';

describe('agent transfer through the real SDK', { timeout: 60_000 }, () => {
  it('A → B → A with audio sent during each switch: right setups, every byte on exactly one connection', async () => {
    server = await FakeLiveServer.start({ frames: 'binary' });
    const model = new ObservedModel(
      new GeminiLiveModel({
        model: 'gemini-live-test',
        apiKey: 'test-key',
        httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
      }),
    );
    const invoice = new FunctionTool({
      name: 'get_invoice',
      description: 'An invoice',
      execute: () => ({ total: 3 }),
    });
    const billing = new LlmAgent({
      name: 'billing',
      model,
      instruction: 'Answer billing questions.',
      tools: [invoice],
    });
    const concierge = new LlmAgent({
      name: 'concierge',
      model,
      instruction: 'Route the caller.',
      subAgents: [billing],
    });
    const recorder = new TestRecorder();
    const sessionService = new InMemorySessionService();
    const runner = new Runner({ appName: 'app', agent: concierge, sessionService, audioRecorder: recorder });
    const queue = new LiveRequestQueue();
    const sent: Buffer[] = [];
    const speak = () => {
      const pcm = pcm16Tone({ ms: 20, rate: 16_000, seed: 500 + sent.length });
      sent.push(pcm);
      queue.sendRealtime({ data: pcm.toString('base64'), mimeType: 'audio/pcm;rate=16000' });
    };
    const bytesSent = () => sent.reduce((n, pcm) => n + pcm.length, 0);
    const allReceived = () => Buffer.concat(server?.connections.map((c) => c.receivedAudio()) ?? []);
    const run = collect(
      runner.runLive({
        userId: 'u1',
        sessionId: 's1',
        liveRequestQueue: queue,
        runConfig: { saveLiveAudio: true },
      }),
    );

    /** The current agent hands over to `target`; the caller speaks while the runner switches. */
    const transfer = async (conn: FakeLiveConnection, target: string, callId: string) => {
      speak();
      await waitUntil(() => allReceived().length === bytesSent(), { what: 'input before the switch' });
      const before = model.requests.length;
      let release = () => {};
      model.gate = new Promise((resolve) => {
        release = resolve;
      });
      conn.sendOutputTranscription(`Passing you to ${target}`);
      conn.sendToolCall([{ id: callId, name: TRANSFER_TOOL_NAME, args: { agent_name: target } }]);
      await waitUntil(() => model.requests.length > before, { what: 'the connect for the target agent' });
      speak();
      speak();
      model.gate = undefined;
      release();
      const next = await (server as FakeLiveServer).nextConnection({ timeoutMs: 20_000 });
      expect((await conn.closed).byClient).toBe(true);
      const answer = conn.received.find((f) => f.toolResponse)?.toolResponse?.functionResponses?.[0];
      expect(answer).toMatchObject({ id: callId, response: { output: { transferred_to: target } } });
      return next;
    };

    const first = await server.nextConnection({ timeoutMs: 20_000 });
    expect(instructionOf(first)).toMatch(/^Route the caller\.\n\n/);
    expect(declarationNames(first)).toEqual([TRANSFER_TOOL_NAME]);
    const second = await transfer(first, 'billing', 't1');
    expect(instructionOf(second)).toMatch(/^Answer billing questions\.\n\n/);
    expect(declarationNames(second)).toEqual(['get_invoice', TRANSFER_TOOL_NAME]);
    expect(second.setup?.sessionResumption).toBeUndefined();
    await second.waitFor((frame) => frame.clientContent !== undefined, { timeoutMs: 20_000 });
    expect(second.received[0]).toEqual({
      clientContent: {
        turns: [{ parts: [{ text: 'Passing you to billing' }], role: 'model' }],
        turnComplete: false,
      },
    });
    await waitUntil(() => allReceived().length === bytesSent(), { what: 'input sent during the switch' });
    second.sendOutputTranscription('Your invoice is 3.', { finished: true });
    second.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true && e.author === 'billing');
    const third = await transfer(second, 'concierge', 't2');
    expect(instructionOf(third)).toMatch(/^Route the caller\./);
    expect(declarationNames(third)).toEqual([TRANSFER_TOOL_NAME]);
    await waitUntil(() => allReceived().length === bytesSent(), { what: 'input sent during the switch' });
    third.sendOutputTranscription('Anything else?', { finished: true });
    third.sendTurnComplete();
    await run.waitFor((e) => e.turnComplete === true && e.author === 'concierge');
    queue.close();
    expect(await run.done).toEqual({ error: undefined });

    expect(server.connections).toHaveLength(3);
    expect(allReceived().equals(Buffer.concat(sent))).toBe(true);
    expect(server.connections.map((c) => c.receivedAudio().length)).toEqual([1, 3, 2].map((n) => n * 640));
    const stored =
      (await sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' }))?.events ?? [];
    expect(stored.filter((e) => kindOf(e) === 'audio-file')).toHaveLength(4); // one per input flush
    expect(stored.filter((e) => kindOf(e) !== 'audio-file').map((e) => [e.author, kindOf(e)])).toEqual([
      ['concierge', 'call'],
      ['concierge', 'out:Passing you to billing'],
      ['concierge', 'response'],
      ['billing', 'out:Your invoice is 3.'],
      ['billing', 'turnComplete'],
      ['billing', 'call'],
      ['billing', 'out:Passing you to concierge'],
      ['billing', 'response'],
      ['concierge', 'out:Anything else?'],
      ['concierge', 'turnComplete'],
    ]);
    expect(stored.filter((e) => e.actions.transferToAgent).map((e) => e.actions.transferToAgent)).toEqual([
      'billing',
      'concierge',
    ]);
    // Recording is cut at each transfer: no recording spans two agents' connections.
    expect(recorder.calls.flatMap((c) => (c.op === 'flush' ? [c.reason] : []))).toEqual([
      'transfer',
      'turnComplete',
      'transfer',
      'turnComplete',
      'end',
    ]);
    expect(Buffer.concat(recorder.flushedBytes.input).equals(Buffer.concat(sent))).toBe(true);
  });
});
