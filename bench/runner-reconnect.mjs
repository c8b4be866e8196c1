// Reconnect time of a live run: from the server dropping the connection to the first event the
// run yields from the new connection (resumed with the latest handle), over N forced drops
// against FakeLiveServer; half are clean error closes (1011, the client learns of them after a
// close handshake), half are killed sockets (1006). Baseline, measured in the same run: a raw
// @google/genai connect to the same server until its first message after setup, i.e. the least
// any reconnect has to pay. Uses the built packages: run
//   pnpm --filter "@earshot/runner..." build
// first. Usage: node runner-reconnect.mjs [--reconnects N]
import { performance } from 'node:perf_hooks';
import { InMemorySessionService } from '@earshot/core';
import { GeminiLiveModel, LiveRequestQueue, LlmAgent, Runner } from '@earshot/runner';
import { FakeLiveServer } from '@earshot/testing';
import { GoogleGenAI, Modality } from '@google/genai';

const args = new Map(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1]]] : [])),
);
const RECONNECTS = Number(args.get('reconnects') ?? 100);
const MODEL = 'gemini-live-bench';

const server = await FakeLiveServer.start({ frames: 'binary' });
const httpOptions = { baseUrl: server.baseUrl, apiVersion: 'v1beta' };
// Every connection announces its resumption handle as its first message.
server.onConnection((conn) => conn.sendResumptionUpdate(`h-${conn.index}`));

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
};
const ms = (value) => `${value.toFixed(2)} ms`;

/** Baseline: raw SDK connect → first message after setupComplete. */
async function rawConnects(count) {
  const client = new GoogleGenAI({ apiKey: 'bench-key', httpOptions });
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    let first;
    const firstMessage = new Promise((resolve) => {
      first = resolve;
    });
    const session = await client.live.connect({
      model: MODEL,
      config: { responseModalities: [Modality.AUDIO], sessionResumption: {} },
      callbacks: {
        onmessage: (message) => {
          if (message.sessionResumptionUpdate) first();
        },
      },
    });
    await firstMessage;
    times.push(performance.now() - started);
    session.close();
  }
  return times;
}

/** One run, `count` forced drops; resolves with the drop → first-new-event times. */
async function runnerReconnects(count) {
  const offset = server.connections.length;
  const runner = new Runner({
    appName: 'bench',
    agent: new LlmAgent({
      name: 'agent',
      model: new GeminiLiveModel({ model: MODEL, apiKey: 'bench-key', httpOptions }),
    }),
    sessionService: new InMemorySessionService(),
    reconnect: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 500 },
  });
  const queue = new LiveRequestQueue();
  const firstEventAt = new Map();
  const waiters = new Map();
  const consuming = (async () => {
    for await (const event of runner.runLive({
      userId: 'u',
      sessionId: 's',
      liveRequestQueue: queue,
      runConfig: { sessionResumption: {} },
    })) {
      const handle = event.liveSessionResumptionUpdate?.newHandle;
      if (handle === undefined) continue;
      const index = Number(handle.slice(2)) - offset;
      firstEventAt.set(index, performance.now());
      waiters.get(index)?.();
    }
  })();
  const eventFrom = (index) =>
    firstEventAt.has(index) ? Promise.resolve() : new Promise((resolve) => waiters.set(index, resolve));
  const times = { close1011: [], terminate: [] };
  await eventFrom(0);
  for (let i = 1; i <= count; i++) {
    const conn = server.connections[offset + i - 1];
    const kind = i % 2 === 0 ? 'terminate' : 'close1011';
    const dropped = performance.now();
    if (kind === 'terminate') conn.terminate();
    else conn.close(1011, 'bench');
    await eventFrom(i);
    times[kind].push(firstEventAt.get(i) - dropped);
  }
  queue.close();
  await consuming;
  return times;
}

// Warm-up (JIT, sockets), then the measured rounds.
await rawConnects(10);
await runnerReconnects(10);
const raw = summary(await rawConnects(RECONNECTS));
const times = await runnerReconnects(RECONNECTS);
const all = summary([...times.close1011, ...times.terminate]);
const close = summary(times.close1011);
const kill = summary(times.terminate);
await server.close();

console.log(
  `runner reconnect (drop → first event on the new connection), ${RECONNECTS} forced reconnects in one run`,
);
console.log(`  all        p50 ${ms(all.p50)}  p99 ${ms(all.p99)}  max ${ms(all.max)}`);
console.log(`  1011 close p50 ${ms(close.p50)}  p99 ${ms(close.p99)}`);
console.log(`  1006 kill  p50 ${ms(kill.p50)}  p99 ${ms(kill.p99)}`);
console.log(`baseline: raw SDK connect → first message, p50 ${ms(raw.p50)}  p99 ${ms(raw.p99)}`);
console.log(
  `ratio reconnect/raw connect: p50 ${(all.p50 / raw.p50).toFixed(2)}x  p99 ${(all.p99 / raw.p99).toFixed(2)}x`,
);
