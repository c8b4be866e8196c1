// A live run against the real Gemini Live API: asks a question as text, prints the spoken
// answer's transcription and how much audio came back. Needs GEMINI_API_KEY (and network).
// Build first:  pnpm --filter "@earshot/runner..." build   then:  GEMINI_API_KEY=... node examples/gemini.mjs
import { InMemorySessionService } from '@earshot/core';
import { LiveRequestQueue, LlmAgent, Runner } from '@earshot/runner';

const agent = new LlmAgent({
  name: 'assistant',
  // A model name resolves to GeminiLiveModel, which reads GEMINI_API_KEY from the environment.
  model: process.env.GEMINI_LIVE_MODEL ?? 'gemini-live-2.5-flash-preview',
  instruction: 'You are a concise assistant.',
});
const runner = new Runner({ appName: 'demo', agent, sessionService: new InMemorySessionService() });
const queue = new LiveRequestQueue();
queue.sendContent({ parts: [{ text: 'In one sentence: why is the sky blue?' }] });

let audioBytes = 0;
for await (const event of runner.runLive({
  userId: 'ada',
  sessionId: 'sky',
  liveRequestQueue: queue,
  runConfig: { outputAudioTranscription: {} },
})) {
  const audio = event.content?.parts?.[0]?.inlineData?.data;
  if (audio) audioBytes += Buffer.from(audio, 'base64').length;
  if (event.outputTranscription && !event.partial) console.log('model said:', event.outputTranscription.text);
  if (event.turnComplete) queue.close();
}
console.log(`received ${audioBytes} bytes of 24 kHz PCM audio`);
