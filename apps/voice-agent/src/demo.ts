/**
 * A tiny, offline tour of Earshot's core: the events one live turn produces, what the
 * persistence policy does with each, and what ends up in the session. Run: `pnpm demo`.
 */
import {
  classifyLiveEvent,
  createEvent,
  createRunConfig,
  type Event,
  type EventInit,
  InMemorySessionService,
  newInvocationId,
} from '@earshot/core';

const appName = 'earshot-demo';
const agent = 'weather_agent';
const invocationId = newInvocationId();
const pcm = (ms: number) => Buffer.alloc((24_000 * 2 * ms) / 1000).toString('base64');
const at = (init: EventInit): Event => createEvent({ invocationId, ...init });

const turn: Event[] = [
  at({ author: 'user', partial: true, inputTranscription: { text: "What's the weather" } }),
  at({ author: 'user', partial: true, inputTranscription: { text: ' in Paris?' } }),
  at({ author: 'user', inputTranscription: { text: "What's the weather in Paris?", finished: true } }),
  at({
    author: agent,
    content: {
      role: 'model',
      parts: [{ functionCall: { id: 'c1', name: 'get_weather', args: { city: 'Paris' } } }],
    },
  }),
  at({
    author: agent,
    content: {
      role: 'user',
      parts: [{ functionResponse: { id: 'c1', name: 'get_weather', response: { output: { tempC: 21 } } } }],
    },
  }),
  at({
    author: agent,
    content: { role: 'model', parts: [{ inlineData: { mimeType: 'audio/pcm;rate=24000', data: pcm(40) } }] },
  }),
  at({
    author: agent,
    content: { role: 'model', parts: [{ inlineData: { mimeType: 'audio/pcm;rate=24000', data: pcm(40) } }] },
  }),
  at({ author: agent, partial: true, outputTranscription: { text: 'It is 21 degrees' } }),
  at({ author: agent, outputTranscription: { text: 'It is 21 degrees in Paris.', finished: true } }),
  at({ author: agent, liveSessionResumptionUpdate: { newHandle: 'handle-1', resumable: true } }),
  at({ author: agent, usageMetadata: { promptTokenCount: 42, responseTokenCount: 17, totalTokenCount: 59 } }),
  at({
    author: agent,
    turnComplete: true,
    actions: { stateDelta: { 'earshot:liveResumptionHandle': 'handle-1' } },
  }),
];

function describe(event: Event): string {
  const part = event.content?.parts?.[0];
  if (part?.functionCall)
    return `functionCall ${part.functionCall.name}(${JSON.stringify(part.functionCall.args)})`;
  if (part?.functionResponse) return `functionResponse ${JSON.stringify(part.functionResponse.response)}`;
  if (part?.inlineData) return `audio ${Buffer.from(part.inlineData.data ?? '', 'base64').length} bytes`;
  const t = event.inputTranscription ?? event.outputTranscription;
  if (t) return `${event.inputTranscription ? 'input' : 'output'} transcription "${t.text}"`;
  if (event.liveSessionResumptionUpdate)
    return `resumption handle ${event.liveSessionResumptionUpdate.newHandle}`;
  if (event.usageMetadata) return `usage ${event.usageMetadata.totalTokenCount} tokens`;
  if (event.turnComplete) return 'turnComplete';
  return 'event';
}

async function main(): Promise<void> {
  const sessions = new InMemorySessionService();
  const runConfig = createRunConfig({ saveLiveAudio: false });
  const session = await sessions.createSession({ appName, userId: 'demo-user', sessionId: 'demo-session' });

  console.log('event                                              author         rule           persisted');
  for (const event of turn) {
    const { persist, rule } = classifyLiveEvent(event, runConfig);
    if (persist) await sessions.appendEvent({ session, event });
    console.log(
      `${describe(event).padEnd(50)} ${event.author.padEnd(14)} ${rule.padEnd(14)} ${persist ? 'yes' : 'no'}`,
    );
  }

  const stored = await sessions.getSession({ appName, userId: 'demo-user', sessionId: 'demo-session' });
  console.log(`\nyielded ${turn.length} events; the session stores ${stored?.events.length}:`);
  for (const event of stored?.events ?? []) console.log(`  - ${event.author}: ${describe(event)}`);
  console.log(`session state: ${JSON.stringify(stored?.state)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
