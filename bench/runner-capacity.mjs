// Sessions per core: how many real-time live sessions one core holds before the p99 latency from
// "server sent a model audio frame" to "the caller has the event" passes 20 ms, for a raw
// @google/genai session (the floor) and for runLive in three set-ups (InMemorySessionService,
// RedisSessionService on a redis-server this script starts, recording on with AudioAggregator and
// InMemoryArtifactService). Each step is a fresh runner process pinned to one core (`taskset`),
// against a fresh FakeLiveServer process pinned to the other; both stamp and read the same wall
// clock, so the latency crosses processes. Every session streams 16 kHz input and receives 24 kHz
// output in 40 ms chunks, with an output transcription delta and a turn boundary every ~2 s.
// Prints ratios to raw (capacity, CPU per session, heap and RSS per session); absolute numbers from
// a loaded machine are not comparable between runs. Build first (`pnpm build`).
// Usage: node runner-capacity.mjs [--rounds R] [--seconds S] [--configs raw,memory,redis,recording]
//        [--start N] [--memSessions M] [--memSeconds S] [--metric p99|p50] [--limit MS]
//        [--oldSpaceMB N]
// `--oldSpaceMB N` runs every runner process (raw included) with `--initial-old-space-size=N`:
// the latency-tuned set-up the runner README describes (full GCs become rare, not cheaper).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const args = new Map(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1]]] : [])),
);
const ROLE = args.get('role') ?? 'main';
const CHUNK_MS = 40;
const TURN_EVERY = 50; // chunks: a transcription delta and a turn boundary every 2 s
const MIN_DELIVERED = 0.9; // of the frames the server was due to send within the window
const SLOTS = 8; // sessions are spread over 8 phases of the 40 ms period, as real callers are
const MODEL = 'gemini-live-bench';
const now = () => performance.timeOrigin + performance.now(); // the same clock in both processes

if (ROLE === 'server') await serverRole();
else if (ROLE === 'runner') await runnerRole();
else await mainRole();

// ---------- the fake Live server process ----------
async function serverRole() {
  const { FakeLiveServer, pcm16Tone } = await import('@earshot/testing');
  const server = await FakeLiveServer.start({ frames: 'binary' });
  // 40 ms of 24 kHz PCM; bytes 0..8 carry the send time (float64), re-encoded per frame (12 chars).
  const pcm = pcm16Tone({ ms: CHUNK_MS, rate: 24_000, seed: 1 });
  const tail = pcm.subarray(9).toString('base64');
  const stamp = Buffer.alloc(9);
  const head =
    '{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"';
  const end = '"}}]}}}';
  const delta = Buffer.from(
    JSON.stringify({ serverContent: { outputTranscription: { text: 'hello there ' } } }),
  );
  const turn = Buffer.from(JSON.stringify({ serverContent: { turnComplete: true } }));
  const slots = Array.from({ length: SLOTS }, () => new Set());
  let connections = 0;
  server.onConnection((conn) => {
    const session = { conn, chunk: connections % TURN_EVERY };
    slots[connections % SLOTS].add(session);
    connections += 1;
    conn.closed.then(() => {
      for (const slot of slots) slot.delete(session);
    });
  });
  let slot = 0;
  setInterval(() => {
    for (const session of slots[slot]) {
      const { conn } = session;
      // A Live server sends model audio only once the session is set up. (Frames that arrive
      // before the SDK's connect resolved stay in its replay queue for the session's life.)
      if (!conn.isOpen || conn.setup === undefined) continue;
      // The fake keeps every frame both ways for tests to inspect; this bench reads none of them.
      conn.received.length = 0;
      conn.sent.length = 0;
      stamp.writeDoubleLE(now(), 0);
      conn.sendRaw(Buffer.from(`${head}${stamp.toString('base64')}${tail}${end}`));
      session.chunk += 1;
      if (session.chunk % TURN_EVERY === 0) {
        conn.sendRaw(delta);
        conn.sendRaw(turn);
      }
    }
    slot = (slot + 1) % SLOTS;
  }, CHUNK_MS / SLOTS);
  process.stdout.write(`${JSON.stringify({ baseUrl: server.baseUrl })}\n`);
  process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
}

// ---------- one step: N sessions of one configuration, in this (pinned) process ----------
async function runnerRole() {
  const config = args.get('config');
  const sessions = Number(args.get('sessions'));
  const seconds = Number(args.get('seconds'));
  const warmSeconds = Number(args.get('warm') ?? 3);
  const { GoogleGenAI, Modality } = await import('@google/genai');
  const { InMemoryArtifactService, InMemorySessionService } = await import('@earshot/core');
  const { GeminiLiveModel, LiveRequestQueue, LlmAgent, Runner } = await import('@earshot/runner');
  const httpOptions = { baseUrl: args.get('url'), apiVersion: 'v1beta' };
  const client = new GoogleGenAI({ apiKey: 'bench-key', httpOptions });
  const input = {
    data: (await import('@earshot/testing'))
      .pcm16Tone({ ms: CHUNK_MS, rate: 16_000, seed: 2 })
      .toString('base64'),
    mimeType: 'audio/pcm;rate=16000',
  };
  const latencies = [];
  let measuring = false;
  const stampOf = (base64) => Buffer.from(base64.slice(0, 12), 'base64').readDoubleLE(0);
  const onAudio = (data) => {
    if (measuring) latencies.push(now() - stampOf(data));
  };

  let storedArtifactBytes = 0;
  let sessionService;
  let audioRecorder;
  let redisService;
  if (config === 'redis') {
    const { RedisSessionService } = await import('@earshot/session-redis');
    redisService = new RedisSessionService({ redis: args.get('redis') });
    sessionService = redisService;
  } else {
    sessionService = new InMemorySessionService();
  }
  if (config === 'recording') {
    const { AudioAggregator } = await import('@earshot/audio');
    const artifactService = new InMemoryArtifactService();
    const save = artifactService.saveArtifact.bind(artifactService);
    // RSS is reported net of the stored WAVs (they are the product, not overhead). The store
    // keeps them off the JS heap, so the heap figures need no correction.
    artifactService.saveArtifact = (request) => {
      storedArtifactBytes += Buffer.byteLength(request.artifact.inlineData?.data ?? '', 'base64');
      return save(request);
    };
    audioRecorder = new AudioAggregator({ artifactService, mixdown: true });
  }
  const runner = new Runner({
    appName: 'bench',
    agent: new LlmAgent({ name: 'agent', model: new GeminiLiveModel({ model: MODEL, client }) }),
    sessionService,
    audioRecorder,
  });
  const runConfig = { saveLiveAudio: config === 'recording' };
  globalThis.gc?.();
  const heapBase = process.memoryUsage().heapUsed;
  const rssBase = process.memoryUsage().rss;

  const slots = Array.from({ length: SLOTS }, () => []);
  const stops = [];
  const opened = [];
  for (let i = 0; i < sessions; i++) {
    if (config === 'raw') {
      const session = await client.live.connect({
        model: MODEL,
        config: { responseModalities: [Modality.AUDIO] },
        callbacks: {
          onmessage: (message) => {
            const data = message.serverContent?.modelTurn?.parts?.[0]?.inlineData?.data;
            if (data !== undefined) onAudio(data);
          },
        },
      });
      slots[i % SLOTS].push(() => session.sendRealtimeInput({ audio: input }));
      stops.push(async () => session.close());
    } else {
      const queue = new LiveRequestQueue();
      let first;
      const started = new Promise((resolve) => {
        first = resolve;
      });
      const consumed = (async () => {
        for await (const event of runner.runLive({
          userId: 'u',
          sessionId: `s${i}`,
          liveRequestQueue: queue,
          runConfig,
        })) {
          first();
          const data = event.content?.parts?.[0]?.inlineData?.data;
          if (data !== undefined) onAudio(data);
        }
      })();
      consumed.catch((error) => {
        console.error(`session ${i} failed: ${error?.message ?? error}`);
        process.exit(2);
      });
      opened.push(started);
      slots[i % SLOTS].push(() => queue.sendRealtime(input));
      stops.push(async () => {
        queue.close();
        await consumed;
      });
    }
  }
  await Promise.all(opened);
  let slot = 0;
  const ticker = setInterval(() => {
    for (const send of slots[slot]) send();
    slot = (slot + 1) % SLOTS;
  }, CHUNK_MS / SLOTS);

  await sleep(warmSeconds * 1000);
  globalThis.gc?.();
  const heapStart = process.memoryUsage().heapUsed;
  // The forced full GC above stalls every session at once: let that backlog drain unmeasured.
  await sleep(500);
  const gc = watchGc();
  const faultsStart = process.resourceUsage().minorPageFault;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  measuring = true;
  await sleep(seconds * 1000);
  measuring = false;
  const wall = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  const faults = process.resourceUsage().minorPageFault - faultsStart;
  const gcs = await gc.stop();
  globalThis.gc?.();
  const memory = process.memoryUsage();
  clearInterval(ticker);
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const expected = (sessions * seconds * 1000) / CHUNK_MS;
  process.stdout.write(
    `${JSON.stringify({
      config,
      sessions,
      p50: at(0.5),
      p99: at(0.99),
      samples: latencies.length,
      delivered: latencies.length / expected,
      cpu: (cpu.user + cpu.system) / 1000 / wall,
      // Heap once every session is live (after the warm-up), and its growth while measuring.
      heap: heapStart - heapBase,
      heapEnd: memory.heapUsed - heapBase,
      heapGrowthPerMin: ((memory.heapUsed - heapStart) * 60_000) / wall,
      rss: memory.rss - storedArtifactBytes - rssBase,
      // What sets the limit: full GCs and time in GC within the window, and first touches of
      // memory (page faults: costly on this VM class, see the machine line).
      fullGcsPerMin: (gcs.major * 60_000) / wall,
      gcShare: gcs.ms / wall,
      faultsPerSec: (faults * 1000) / wall,
    })}\n`,
  );
  await Promise.race([Promise.all(stops.map((stop) => stop())), sleep(10_000)]);
  await redisService?.close();
  process.exit(0);
}

// ---------- orchestration: stepped search per configuration, several rounds ----------
async function mainRole() {
  const rounds = Number(args.get('rounds') ?? 1);
  const seconds = Number(args.get('seconds') ?? 8);
  // `--metric p50 --limit 5` when neighbours' load makes p99 scheduling noise (p50 then marks the knee).
  const metric = args.get('metric') ?? 'p99';
  const limitMs = Number(args.get('limit') ?? 20);
  const configs = (args.get('configs') ?? 'raw,memory,redis,recording').split(',');
  const start = Number(args.get('start') ?? 25);
  const memSessions = Number(args.get('memSessions') ?? 100);
  const oldSpaceMB = args.has('oldSpaceMB') ? Number(args.get('oldSpaceMB')) : undefined;
  if (oldSpaceMB !== undefined && !(Number.isInteger(oldSpaceMB) && oldSpaceMB > 0)) {
    throw new Error('--oldSpaceMB must be a positive whole number of megabytes');
  }
  const memSeconds = Number(args.get('memSeconds') ?? 30);
  const { startRedisServer } = await import('@earshot/testing');
  const redis = configs.includes('redis') ? await startRedisServer() : undefined;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      void (redis?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  }
  const script = fileURLToPath(import.meta.url);
  const results = Object.fromEntries(configs.map((c) => [c, { capacity: [], mem: [] }]));

  /** One step, with a fresh server and a fresh runner process each. */
  async function step(config, sessions, stepSeconds) {
    const server = spawn('taskset', ['-c', '1', process.execPath, script, '--role', 'server'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = await once(server.stdout, 'data');
      const { baseUrl } = JSON.parse(String(line));
      const runnerArgs = [script, '--role', 'runner', '--config', config, '--sessions', String(sessions)];
      runnerArgs.push('--seconds', String(stepSeconds), '--url', baseUrl, '--redis', redis?.url ?? '');
      const v8Flags = oldSpaceMB ? [`--initial-old-space-size=${oldSpaceMB}`] : [];
      const child = spawn(
        'taskset',
        ['-c', '0', process.execPath, '--expose-gc', ...v8Flags, ...runnerArgs],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
      });
      const [code] = await once(child, 'exit');
      if (code !== 0) throw new Error(`runner step ${config} x${sessions} exited with ${code}`);
      if (config === 'redis') await redisFlush();
      return JSON.parse(out.trim().split('\n').at(-1));
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  }

  async function redisFlush() {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
  }

  /**
   * Per configuration: doubles while the metric holds, then bisects (up to 3 times) between the
   * last pass and the first fail. Then it probes below what it found (at 3/8, 5/8 and 7/8 of
   * it): the p99 is not monotonic in the session count, since whether V8's full GCs come back to
   * back depends on the live heap's size (measured: in-memory runs failed at 250–350 sessions
   * and passed at 400 and 800). The capacity is the largest count tested below which no tested
   * count failed. The configurations step in turn, one step each, so a burst of load from the
   * neighbours hits all of them rather than one.
   */
  async function capacities() {
    // A step whose audio did not arrive (a fake server or a runner that fell behind) is no pass.
    const passes = (r) => r[metric] <= limitMs && r.delivered >= MIN_DELIVERED;
    const search = Object.fromEntries(
      configs.map((c) => [c, { low: 0, high: undefined, next: start, bisects: 0, tested: new Map() }]),
    );
    const active = () => configs.filter((c) => search[c].next !== undefined);
    while (active().length > 0) {
      for (const config of active()) {
        const s = search[config];
        const r = await step(config, s.next, seconds);
        const pass = passes(r);
        log(config, r, pass);
        s.tested.set(s.next, pass);
        if (pass) s.low = s.next;
        else s.high = s.next;
        if (s.high === undefined) {
          s.next = s.next >= 4000 ? undefined : s.next * 2;
        } else if (s.bisects < 3 && s.high - s.low > Math.max(10, s.low * 0.1)) {
          s.bisects += 1;
          s.next = Math.round((s.low + s.high) / 2);
        } else {
          s.next = undefined;
        }
      }
    }
    const probes = Object.fromEntries(
      configs.map((c) => {
        const { low, tested } = search[c];
        const counts = [3, 5, 7].map((eighths) => Math.round((low * eighths) / 8 / 25) * 25);
        return [c, [...new Set(counts)].filter((n) => n > 0 && !tested.has(n))];
      }),
    );
    for (let i = 0; configs.some((c) => probes[c][i] !== undefined); i++) {
      for (const config of configs) {
        const sessions = probes[config][i];
        if (sessions === undefined) continue;
        const r = await step(config, sessions, seconds);
        const pass = passes(r);
        log(config, r, pass, 'probe below');
        search[config].tested.set(sessions, pass);
      }
    }
    const capacityOf = ({ tested }) => {
      let capacity = 0;
      for (const [sessions, pass] of [...tested].sort((a, b) => a[0] - b[0])) {
        if (!pass) break;
        capacity = sessions;
      }
      return capacity;
    };
    return Object.fromEntries(configs.map((c) => [c, capacityOf(search[c])]));
  }

  function log(config, r, pass, note = '') {
    const ms = (v) => v.toFixed(1);
    console.log(
      `  ${config.padEnd(9)} ${String(r.sessions).padStart(5)} sessions: p50 ${ms(r.p50)} ms p99 ${ms(r.p99)} ms, ` +
        `cpu ${(r.cpu * 100).toFixed(0)} %, delivered ${(r.delivered * 100).toFixed(0)} %, ` +
        `full GCs ${r.fullGcsPerMin.toFixed(0)}/min, GC ${(r.gcShare * 100).toFixed(1)} %, ` +
        `faults ${r.faultsPerSec.toFixed(0)}/s ${pass === undefined ? '' : pass ? 'ok' : 'over'}${note ? ` (${note})` : ''}`,
    );
  }

  const touch = memoryTouchRates();
  console.log(
    `machine: writing fresh memory ${touch.fresh.toFixed(0)} MB/s, memory written before ${touch.touched.toFixed(0)} MB/s ` +
      `(a first touch costs ${((4096 / 1e6 / touch.fresh - 4096 / 1e6 / touch.touched) * 1e6).toFixed(1)} µs per 4 KiB page)`,
  );
  try {
    for (let round = 0; round < rounds; round++) {
      console.log(
        `round ${round + 1}/${rounds}: capacity at ${metric} <= ${limitMs} ms (${seconds} s per step)`,
      );
      const found = await capacities();
      for (const config of configs) results[config].capacity.push(found[config]);
      console.log(
        `round ${round + 1}/${rounds}: ${memSessions} sessions for ${memSeconds} s (CPU, heap, RSS)`,
      );
      for (const config of configs) {
        const r = await step(config, memSessions, memSeconds);
        log(config, r);
        results[config].mem.push(r);
      }
    }
  } finally {
    await redis?.stop();
  }

  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const raw = results.raw;
  const targets = { memory: 0.8, redis: 0.7, recording: 0.5 };
  const tuned = oldSpaceMB ? `; every runner with --initial-old-space-size=${oldSpaceMB}` : '';
  console.log(
    `\nrunner capacity: median of ${rounds} round(s)${tuned}; load average ${(await loadavg()).join(' ')}`,
  );
  for (const config of configs) {
    const { capacity: caps, mem } = results[config];
    const perRound = (f) => mem.map((m, i) => f(m, raw?.mem[i], i));
    const cap = median(caps);
    const capRatio = raw ? median(caps.map((c, i) => c / raw.capacity[i])) : Number.NaN;
    const cpuRatio = raw ? median(perRound((m, r) => m.cpu / r.cpu)) : Number.NaN;
    const heapPer = median(perRound((m) => m.heap / memSessions));
    const heapRatio = raw ? median(perRound((m, r) => m.heap / r.heap)) : Number.NaN;
    const rssRatio = raw ? median(perRound((m, r) => m.rss / r.rss)) : Number.NaN;
    const rssPer = median(perRound((m) => m.rss / memSessions));
    const growth = median(perRound((m) => m.heapGrowthPerMin / memSessions));
    const fullGcs = median(perRound((m) => m.fullGcsPerMin));
    const gcShare = median(perRound((m) => m.gcShare));
    const faultsPer = median(perRound((m) => m.faultsPerSec / memSessions));
    const target = targets[config] === undefined ? '' : `; target >= ${targets[config]}`;
    console.log(
      `  ${config.padEnd(9)} sessions at ${metric}<=${limitMs} ms: ${cap} (rounds ${caps.join(', ')})  ÷ raw ${capRatio.toFixed(2)}${target}`,
    );
    console.log(
      `  ${''.padEnd(9)} at ${memSessions} sessions: CPU ÷ raw ${cpuRatio.toFixed(2)}, heap/session ${kb(heapPer)} (÷ raw ${heapRatio.toFixed(2)}; target <= 1.5), ` +
        `RSS/session ${kb(rssPer)} (÷ raw ${rssRatio.toFixed(2)}), heap growth ${kb(growth)}/session/min`,
    );
    console.log(
      `  ${''.padEnd(9)} full GCs ${fullGcs.toFixed(0)}/min, GC ${(gcShare * 100).toFixed(1)} % of the time, ` +
        `page faults ${faultsPer.toFixed(1)}/session/s`,
    );
  }
}

async function loadavg() {
  const os = await import('node:os');
  return os.loadavg().map((v) => v.toFixed(1));
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Counts the GCs V8 reports while measuring (entries arrive asynchronously: `stop` waits a tick). */
function watchGc() {
  const counts = { major: 0, ms: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      counts.ms += entry.duration;
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major += 1;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      await sleep(0);
      observer.disconnect();
      return counts;
    },
  };
}

/**
 * Writing memory for the first time against writing it again, in MB/s. On a VM that hands free
 * pages back to its host, a first touch costs a fault through to the host: a process that keeps
 * what it receives (the recording configuration stores every WAV in memory) pays it per page.
 */
function memoryTouchRates() {
  const size = 64 * 1024 * 1024;
  const chunk = Buffer.alloc(128 * 1024, 1);
  const rate = (target) => {
    const started = performance.now();
    for (let at = 0; at + chunk.length <= size; at += chunk.length) target.set(chunk, at);
    return size / 1e6 / ((performance.now() - started) / 1000);
  };
  const target = Buffer.allocUnsafeSlow(size);
  return { fresh: rate(target), touched: rate(target) };
}
