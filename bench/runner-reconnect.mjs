// Reconnect time of a live run: from the server dropping the connection to the first event the
// run yields from the new connection (resumed with the latest handle), over N forced drops
// against FakeLiveServer; half are clean error closes (1011, the client learns of them after a
// close handshake), half are killed sockets (1006). Baseline, measured in the same run: a raw
// @google/genai connect to the same server until its first message after setup, i.e. the least
// any reconnect has to pay. Uses the built packages: run
//   pnpm --filter "@earshot/runner..." build
// first. Usage: node runner-reconnect.mjs [--reconnects N]
//
// Then input across drops: N forced drops of every kind (goAway, 1006, 1011), with unconfirmed
// input in flight at each, in Vertex AI express mode (the SDK takes `transparent` only there);
// counts the input messages and bytes the Gemini session behind the last connection lacks or
// holds twice (FakeLiveServer.sessionHistory), with sessionResumption.transparent and without
// (the baseline: what a run loses without it, and reports as LIVE_INPUT_UNCONFIRMED). Last, the
// replay buffer's peak memory: heap held while the server confirms nothing, transparent vs not.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InMemorySessionService } from '@earshot/core';
import { GeminiLiveModel, LIVE_INPUT_UNCONFIRMED, LiveRequestQueue, LlmAgent, Runner } from '@earshot/runner';
import { FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { GoogleGenAI, Modality } from '@google/genai';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
const inputIdOf = (frame) =>
  frame.realtimeInput?.audio?.data ??
  frame.realtimeInput?.video?.data ??
  frame.clientContent?.turns?.[0]?.parts?.[0]?.text;

/** A run in Vertex AI express mode on its own FakeLiveServer; every connection announces a handle. */
async function vertexRun(transparent, runnerOptions = {}) {
  const fake = await FakeLiveServer.start({ frames: 'binary' });
  fake.onConnection((conn) => conn.sendResumptionUpdate(`h-${conn.index}`));
  const runner = new Runner({
    appName: 'bench',
    agent: new LlmAgent({
      name: 'agent',
      model: new GeminiLiveModel({
        model: MODEL,
        vertexai: true,
        apiKey: 'bench-key',
        httpOptions: { baseUrl: fake.baseUrl },
      }),
    }),
    sessionService: new InMemorySessionService(),
    reconnect: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 },
    ...runnerOptions,
  });
  const queue = new LiveRequestQueue();
  const handles = new Set();
  const reports = [];
  const consuming = (async () => {
    for await (const event of runner.runLive({
      userId: 'u',
      sessionId: 's',
      liveRequestQueue: queue,
      runConfig: { sessionResumption: transparent ? { transparent: true } : {} },
    })) {
      if (event.liveSessionResumptionUpdate) handles.add(event.liveSessionResumptionUpdate.newHandle);
      if (event.errorCode === LIVE_INPUT_UNCONFIRMED) reports.push(event.customMetadata);
    }
  })();
  return { fake, queue, handles, reports, consuming };
}

/** `drops` forced drops with unconfirmed input in flight at each: what the model side lost or got twice. */
async function inputAcrossDrops(drops, transparent) {
  const { fake, queue, handles, reports, consuming } = await vertexRun(transparent);
  const sent = [];
  let seed = 0;
  const say = (count) => {
    for (let i = 0; i < count; i++) {
      const data = pcm16Tone({ ms: 20, rate: 16_000, seed: ++seed }).toString('base64');
      queue.sendRealtime({ data, mimeType: 'audio/pcm;rate=16000' });
      sent.push(data);
    }
  };
  let conn = await fake.nextConnection();
  for (let drop = 0; drop < drops; drop++) {
    await until(() => handles.has(`h-${conn.index}`), 'the connection handle');
    const arrived = (ids) => () => ids.every((id) => conn.received.some((f) => inputIdOf(f) === id));
    say(2); // confirmed by the next handle (the fake has it, and everything sent before it)
    await until(arrived(sent.slice(-2)), 'confirmed input');
    conn.sendResumptionUpdate(`m-${conn.index}`);
    await until(() => handles.has(`m-${conn.index}`), 'the mid handle');
    say(3); // unconfirmed, racing the drop
    const kind = drop % 3;
    if (kind === 0) {
      await until(arrived(sent.slice(-3)), 'input before goAway');
      conn.sendGoAway('1s');
    } else if (kind === 1) conn.terminate();
    else conn.close(1011, 'bench');
    conn = await fake.nextConnection({ timeoutMs: 20_000 });
  }
  await until(() => handles.has(`h-${conn.index}`), 'the last handle');
  say(3);
  const last = conn;
  const lastWords = sent.slice(-3);
  await until(
    () => lastWords.every((id) => last.received.some((f) => inputIdOf(f) === id)),
    'the last input',
  );
  queue.close();
  await consuming;
  const delivered = fake
    .sessionHistory(last)
    .map(inputIdOf)
    .filter((id) => id !== undefined);
  await fake.close();
  const counts = new Map();
  for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
  const bytesOf = (b64) => Buffer.byteLength(b64, 'base64');
  const lost = sent.filter((id) => !counts.has(id));
  const twice = [...counts].filter(([, n]) => n > 1);
  return {
    sent: sent.length,
    sentBytes: sent.reduce((sum, id) => sum + bytesOf(id), 0),
    lost: lost.length,
    lostBytes: lost.reduce((sum, id) => sum + bytesOf(id), 0),
    duplicated: twice.reduce((sum, [, n]) => sum + n - 1, 0),
    duplicatedBytes: twice.reduce((sum, [id, n]) => sum + (n - 1) * bytesOf(id), 0),
    reportedMessages: reports.reduce((sum, r) => sum + r.unconfirmedMessages, 0),
    reportedAudioMs: reports.reduce((sum, r) => sum + r.unconfirmedAudioMs, 0),
    reports: reports.length,
  };
}

/** Heap held while `seconds` of 16 kHz audio go out and the server confirms none of it. */
async function heldWhileUnconfirmed(seconds, transparent) {
  const { fake, queue, handles, consuming } = await vertexRun(transparent);
  const conn = await fake.nextConnection();
  await until(() => handles.has('h-0'), 'the first handle');
  const count = (seconds * 1000) / 20;
  gc();
  const before = process.memoryUsage().heapUsed;
  // Made one by one and not kept here: only the runner (and the fake's own copy) may hold them.
  for (let i = 0; i < count; i++) {
    const data = pcm16Tone({ ms: 20, rate: 16_000, seed: i }).toString('base64');
    queue.sendRealtime({ data, mimeType: 'audio/pcm;rate=16000' });
  }
  await until(() => conn.received.length >= count, 'every chunk on the server', 60_000);
  gc();
  const held = process.memoryUsage().heapUsed - before;
  queue.close();
  await consuming;
  await fake.close();
  return held;
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

await inputAcrossDrops(10, true); // warm-up
const withTransparent = await inputAcrossDrops(RECONNECTS, true);
const withoutTransparent = await inputAcrossDrops(RECONNECTS, false);
const AUDIO_SECONDS = 200; // > the 4 MiB default bound (~95 s of 16 kHz audio)
const heldTransparent = await heldWhileUnconfirmed(AUDIO_SECONDS, true);
const heldBaseline = await heldWhileUnconfirmed(AUDIO_SECONDS, false);

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
const MiB = 1024 * 1024;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(
  `input across ${RECONNECTS} forced drops (goAway, 1006, 1011; 3 unconfirmed chunks in flight at each)`,
);
for (const [label, r] of [
  ['transparent    ', withTransparent],
  ['not transparent', withoutTransparent],
]) {
  console.log(
    `  ${label} sent ${r.sent} msgs (${kb(r.sentBytes)})  lost ${r.lost} msgs (${kb(r.lostBytes)})  duplicated ${r.duplicated} msgs (${kb(r.duplicatedBytes)})  reported unconfirmed ${r.reportedMessages} msgs / ${Math.round(r.reportedAudioMs)} ms in ${r.reports} events`,
  );
}
console.log(
  `replay buffer: heap held after ${AUDIO_SECONDS} s of unconfirmed 16 kHz audio: transparent ${(heldTransparent / MiB).toFixed(2)} MiB, not transparent ${(heldBaseline / MiB).toFixed(2)} MiB; buffer ${((heldTransparent - heldBaseline) / MiB).toFixed(2)} MiB (bound: 4 MiB of base64 by default)`,
);
