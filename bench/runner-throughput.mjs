// Runner throughput and added latency, measured against a raw @google/genai session over the same
// FakeLiveServer in the same run. Uses the built packages: run
//   pnpm --filter "@earshot/runner..." build
// first. Usage: node runner-throughput.mjs [--messages N] [--rounds R] [--runs C] [--seconds S]
//   [--telemetry-rounds T]
// Section 3 compares telemetry: off (`telemetry: false`), the OpenTelemetry API with no SDK (the
// default), and an SDK with no-op exporters, each in its own Runner, in the same rounds.
import { performance } from 'node:perf_hooks';
import { InMemorySessionService } from '@earshot/core';
import { GeminiLiveModel, LiveRequestQueue, LlmAgent, Runner } from '@earshot/runner';
import { FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { GoogleGenAI, Modality } from '@google/genai';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const args = new Map(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1]]] : [])),
);
const MESSAGES = Number(args.get('messages') ?? 4000);
const ROUNDS = Number(args.get('rounds') ?? 7);
const RUNS = Number(args.get('runs') ?? 100);
const SECONDS = Number(args.get('seconds') ?? 10);
const TELEMETRY_ROUNDS = Number(args.get('telemetry-rounds') ?? 15);
const CHUNK_MS = 40;
const MODEL = 'gemini-live-bench';

const server = await FakeLiveServer.start({ frames: 'binary' });
const httpOptions = { baseUrl: server.baseUrl, apiVersion: 'v1beta' };
const client = new GoogleGenAI({ apiKey: 'bench-key', httpOptions });

/** A server audio frame whose first 4 PCM bytes carry a sequence number (to match send and receipt). */
function audioFrame(seq, pcm) {
  const bytes = Buffer.from(pcm);
  bytes.writeUInt32LE(seq, 0);
  return JSON.stringify({
    serverContent: {
      modelTurn: {
        parts: [{ inlineData: { mimeType: 'audio/pcm;rate=24000', data: bytes.toString('base64') } }],
      },
    },
  });
}
const seqOf = (base64) => Buffer.from(base64.slice(0, 8), 'base64').readUInt32LE(0);

const outPcm = pcm16Tone({ ms: CHUNK_MS, rate: 24_000, seed: 1 });
const inPcm = pcm16Tone({ ms: CHUNK_MS, rate: 16_000, seed: 2 }).toString('base64');
const burst = Array.from({ length: MESSAGES }, (_, i) => Buffer.from(audioFrame(i, outPcm)));

function newRunner(telemetry) {
  const model = new GeminiLiveModel({ model: MODEL, client });
  return new Runner({
    appName: 'bench',
    agent: new LlmAgent({ name: 'agent', model }),
    sessionService: new InMemorySessionService(),
    telemetry,
  });
}

/** Opens a raw SDK session; `onAudio(seq)` for every model audio message. */
async function rawSession(onAudio) {
  return client.live.connect({
    model: MODEL,
    config: { responseModalities: [Modality.AUDIO] },
    callbacks: {
      onmessage: (message) => {
        const data = message.serverContent?.modelTurn?.parts?.[0]?.inlineData?.data;
        if (data !== undefined) onAudio(seqOf(data));
      },
    },
  });
}

/** Opens a runner run that consumes its events; `onAudio(seq)` for every audio event yielded. */
function runnerSession(runner, index, onAudio) {
  const queue = new LiveRequestQueue();
  const consumed = (async () => {
    for await (const event of runner.runLive({
      userId: 'u',
      sessionId: `s${index}`,
      liveRequestQueue: queue,
    })) {
      const data = event.content?.parts?.[0]?.inlineData?.data;
      if (data !== undefined) onAudio(seqOf(data));
    }
  })();
  return { queue, consumed };
}

// ---------- 1. throughput: audio messages per second, raw SDK vs runLive ----------
async function burstRound(kind, runner, round) {
  let received = 0;
  let done;
  const finished = new Promise((resolve) => {
    done = resolve;
  });
  const onAudio = () => {
    received += 1;
    if (received === MESSAGES) done(performance.now());
  };
  let stop;
  if (kind === 'raw') {
    const session = await rawSession(onAudio);
    stop = async () => session.close();
  } else {
    const { queue, consumed } = runnerSession(runner, `burst-${round}`, onAudio);
    stop = async () => {
      queue.close();
      await consumed;
    };
  }
  const conn = await server.nextConnection();
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  for (const frame of burst) conn.sendRaw(frame);
  const ended = await finished;
  const cpu = process.cpuUsage(cpuStart);
  await stop();
  await conn.closed;
  // The fake server shares this process: its send cost is the same in both kinds of round.
  cpuPerMessage[kind === 'raw' ? 'raw' : 'runner'].push((cpu.user + cpu.system) / MESSAGES);
  return MESSAGES / ((ended - started) / 1000);
}
const cpuPerMessage = { raw: [], runner: [] };

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const runner = newRunner();
// Warm-up (JIT, socket buffers) for both paths, not counted.
for (let round = 0; round < 3; round++) {
  await burstRound('raw', runner, `warm-${round}`);
  await burstRound('runner', runner, `warm-${round}`);
}
const rates = { raw: [], runner: [] };
cpuPerMessage.raw.length = 0;
cpuPerMessage.runner.length = 0;
for (let round = 0; round < ROUNDS; round++) {
  rates.raw.push(await burstRound('raw', runner, round));
  rates.runner.push(await burstRound('runner', runner, round));
}
// Rounds are paired (raw then runner, back to back), so a ratio per pair cancels most of the
// load other processes put on this shared machine; the median of those is the figure.
const pairRatios = rates.runner.map((rate, i) => rate / rates.raw[i]);
console.log(
  `throughput: ${MESSAGES} model audio messages per round, ${ROUNDS} paired rounds after 3 warm-up rounds`,
);
const cpuRatios = cpuPerMessage.runner.map((cpu, i) => cpu / cpuPerMessage.raw[i]);
const list = (values) => values.map((r) => r.toFixed(2)).join(', ');
console.log(
  `  rate runLive/raw           : ${median(pairRatios).toFixed(2)} (median of paired rounds: ${list(pairRatios)}; target >= 0.9)`,
);
console.log(
  `  CPU per message runLive/raw: ${median(cpuRatios).toFixed(2)} (paired rounds: ${list(cpuRatios)}; target <= 1.25)`,
);

// ---------- 2. latency: RUNS concurrent sessions streaming real-time audio both ways ----------
async function latencyPhase(kind) {
  const sendTimes = new Map(); // `${conn}:${seq}` -> ms
  const latencies = [];
  const tickers = [];
  const unsubscribe = server.onConnection((conn) => {
    let seq = 0;
    const ticker = setInterval(() => {
      if (!conn.isOpen) return;
      sendTimes.set(`${conn.index}:${seq}`, performance.now());
      conn.sendRaw(Buffer.from(audioFrame(seq, outPcm)));
      seq += 1;
    }, CHUNK_MS);
    tickers.push(ticker);
  });
  const sessions = [];
  for (let i = 0; i < RUNS; i++) {
    const holder = { index: -1 };
    const record = (seq) => {
      const sent = sendTimes.get(`${holder.index}:${seq}`);
      if (sent !== undefined) latencies.push(performance.now() - sent);
    };
    let stop;
    if (kind === 'raw') {
      const session = await rawSession(record);
      const input = setInterval(
        () => session.sendRealtimeInput({ audio: { data: inPcm, mimeType: 'audio/pcm;rate=16000' } }),
        CHUNK_MS,
      );
      stop = async () => {
        clearInterval(input);
        session.close();
      };
    } else {
      const { queue, consumed } = runnerSession(runner, `lat-${i}`, record);
      const input = setInterval(
        () => queue.sendRealtime({ data: inPcm, mimeType: 'audio/pcm;rate=16000' }),
        CHUNK_MS,
      );
      stop = async () => {
        clearInterval(input);
        queue.close();
        await consumed;
      };
    }
    holder.index = (await server.nextConnection()).index;
    sessions.push({ stop });
  }
  latencies.length = 0; // measure only once every session is streaming
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const measured = [...latencies].sort((a, b) => a - b);
  for (const ticker of tickers) clearInterval(ticker);
  unsubscribe();
  await Promise.all(sessions.map((s) => s.stop()));
  const at = (q) => measured[Math.min(measured.length - 1, Math.floor(q * measured.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), count: measured.length };
}

const raw = await latencyPhase('raw');
const run = await latencyPhase('runner');
console.log(
  `latency: ${RUNS} concurrent sessions, 16 kHz in / 24 kHz out, ${CHUNK_MS} ms chunks, ${SECONDS} s each`,
);
console.log(
  `  runLive/raw (server send -> event in hand): p50 ${(run.p50 / raw.p50).toFixed(2)}  p99 ${(run.p99 / raw.p99).toFixed(2)}  (${raw.count} / ${run.count} samples)`,
);
console.log(
  `  added by the runner               : p50 ${(run.p50 - raw.p50).toFixed(2)} ms  p99 ${(run.p99 - raw.p99).toFixed(2)} ms`,
);

// ---------- 3. telemetry overhead: off vs the API with no SDK vs an SDK with no-op exporters ----------
const noopSpans = {
  export: (_spans, done) => done({ code: 0 /* ExportResultCode.SUCCESS */ }),
  shutdown: async () => {},
};
const noopMetrics = {
  export: (_metrics, done) => done({ code: 0 /* ExportResultCode.SUCCESS */ }),
  forceFlush: async () => {},
  shutdown: async () => {},
};
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopSpans)] });
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: noopMetrics, exportIntervalMillis: 1_000 })],
});
const variants = {
  off: newRunner(false),
  api: newRunner(undefined),
  sdk: newRunner({ tracerProvider, meterProvider }),
};
const names = Object.keys(variants);
for (let round = 0; round < 2; round++) {
  for (const name of names) await burstRound('runner', variants[name], `tel-warm-${name}-${round}`);
}
const telemetryRates = { off: [], api: [], sdk: [] };
for (let round = 0; round < TELEMETRY_ROUNDS; round++) {
  // Rotate the order so no variant always runs first (or right after a GC-heavy one).
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length];
    telemetryRates[name].push(await burstRound('runner', variants[name], `tel-${name}-${round}`));
  }
}
const ratioOf = (name) => median(telemetryRates[name].map((rate, i) => rate / telemetryRates.off[i]));
console.log(
  `telemetry: ${MESSAGES} model audio messages per round, ${TELEMETRY_ROUNDS} rounds, each variant its own Runner`,
);
for (const name of names) {
  console.log(
    `  ${name.padEnd(4)}: median ${median(telemetryRates[name]).toFixed(0)} ev/s  (${telemetryRates[name].map((r) => r.toFixed(0)).join(', ')})`,
  );
}
console.log(
  `  ratio API, no SDK / off       : ${ratioOf('api').toFixed(3)} (median of rounds; target >= 0.98)`,
);
console.log(`  ratio SDK, no-op exporter / off: ${ratioOf('sdk').toFixed(3)} (median of rounds)`);
await tracerProvider.shutdown();
await meterProvider.shutdown();

await server.close();
