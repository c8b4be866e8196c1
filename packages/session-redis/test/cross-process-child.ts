/*
 * One "process" of the cross-process resume test: a Runner over RedisSessionService and a
 * FakeLiveServer owned by the parent, with `sessionResumption` on. It speaks once and reads
 * the run; after a turnComplete and then a resumption update it closes its queue (mode
 * `close`), or it keeps the run open until the parent kills it (mode `hang`). Prints a JSON
 * line per turnComplete and a report at the end, and exits on its own.
 */
import { type Event, LIVE_RESUMPTION_HANDLE_KEY } from '@earshot/core';
import { GeminiLiveModel, LiveRequestQueue, LlmAgent, Runner } from '../../runner/src/index.js';
import { RedisSessionService } from '../src/index.js';

const [mode = 'close', baseUrl = '', redisUrl = '', keyPrefix = ''] = process.argv.slice(2);
const key = { appName: 'voice', userId: 'u1', sessionId: 's1' };

const sessionService = new RedisSessionService({ redis: redisUrl, keyPrefix });
const model = new GeminiLiveModel({
  model: 'gemini-live-test',
  apiKey: 'test-key',
  httpOptions: { baseUrl, apiVersion: 'v1beta' },
});
const runner = new Runner({
  appName: key.appName,
  agent: new LlmAgent({ name: 'helper', model, instruction: 'Be brief.' }),
  sessionService,
});
const queue = new LiveRequestQueue();
const kinds: string[] = [];
const kindOf = (e: Event) =>
  e.turnComplete
    ? 'turnComplete'
    : e.outputTranscription
      ? `${e.partial ? 'partial-' : ''}out:${e.outputTranscription.text}`
      : e.liveSessionResumptionUpdate
        ? 'resumption'
        : (e.errorCode ?? 'other');
let error: string | undefined;
let sawTurn = false;
const before = await sessionService.getSession(key);
try {
  queue.sendRealtime({ data: Buffer.alloc(640, 7).toString('base64'), mimeType: 'audio/pcm;rate=16000' });
  for await (const event of runner.runLive({
    ...key,
    liveRequestQueue: queue,
    runConfig: { sessionResumption: {} },
  })) {
    kinds.push(kindOf(event));
    if (event.turnComplete) {
      sawTurn = true;
      process.stdout.write(`${JSON.stringify({ turnComplete: true })}\n`);
    }
    // The handle after the turn is the last thing the parent sends: then this run is done.
    if (sawTurn && event.liveSessionResumptionUpdate && mode === 'close') queue.close();
  }
} catch (thrown) {
  error = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}
await sessionService.close();
const handleAtStart = before?.state[LIVE_RESUMPTION_HANDLE_KEY];
process.stdout.write(`${JSON.stringify({ mode, kinds, error, handleAtStart })}\n`);
