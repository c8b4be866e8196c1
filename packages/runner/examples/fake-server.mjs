// A complete live run against FakeLiveServer on loopback: no network, no API key.
// Build first:  pnpm --filter "@earshot/runner..." build   then:  node examples/fake-server.mjs
import { InMemorySessionService } from '@earshot/core';
import { FunctionTool, GeminiLiveModel, LiveRequestQueue, LlmAgent, Runner } from '@earshot/runner';
import { FakeLiveServer, pcm16Tone } from '@earshot/testing';

const server = await FakeLiveServer.start({ frames: 'binary' });
// The fake plays the model: when the user's audio arrives, it calls a tool, then answers.
server.onConnection(async (conn) => {
  await conn.waitFor((frame) => frame.realtimeInput?.audio !== undefined);
  conn.sendInputTranscription('weather in Paris?', { finished: true });
  conn.sendToolCall([{ id: 'call-1', name: 'get_weather', args: { city: 'Paris' } }]);
  await conn.waitFor((frame) => frame.toolResponse !== undefined);
  conn.sendOutputTranscription('It is 21 degrees');
  conn.sendAudio(pcm16Tone({ ms: 40, rate: 24_000 }));
  conn.sendOutputTranscription(' in Paris.');
  conn.sendTurnComplete();
});

const getWeather = new FunctionTool({
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: async ({ city }) => ({ city, celsius: 21 }),
});
const agent = new LlmAgent({
  name: 'weather_agent',
  model: new GeminiLiveModel({
    model: 'gemini-live-2.5-flash-preview',
    apiKey: 'fake-key',
    httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' },
  }),
  instruction: 'Answer weather questions briefly.',
  tools: [getWeather],
});
const sessionService = new InMemorySessionService();
const runner = new Runner({ appName: 'demo', agent, sessionService });

const queue = new LiveRequestQueue();
queue.sendRealtime({
  data: pcm16Tone({ ms: 40, rate: 16_000 }).toString('base64'),
  mimeType: 'audio/pcm;rate=16000',
});

for await (const event of runner.runLive({ userId: 'ada', sessionId: 'demo-1', liveRequestQueue: queue })) {
  const part = event.content?.parts?.[0];
  const what =
    event.inputTranscription?.text ??
    event.outputTranscription?.text ??
    (part?.inlineData ? `${Buffer.from(part.inlineData.data, 'base64').length} bytes of audio` : undefined) ??
    (part?.functionCall
      ? `call ${part.functionCall.name}(${JSON.stringify(part.functionCall.args)})`
      : undefined) ??
    (part?.functionResponse ? `response ${JSON.stringify(part.functionResponse.response)}` : undefined) ??
    (event.turnComplete ? 'turn complete' : JSON.stringify(event));
  console.log(`${event.author.padEnd(14)} ${event.partial ? '(partial) ' : ''}${what}`);
  if (event.turnComplete) queue.close(); // the run ends once work in flight is done
}

const session = await sessionService.getSession({ appName: 'demo', userId: 'ada', sessionId: 'demo-1' });
console.log(`persisted: ${session.events.length} events`);
await server.close();
