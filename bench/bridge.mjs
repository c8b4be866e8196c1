// @earshot/bridge: the latency and CPU the bridge adds, against the same traffic driven into
// runLive in-process (no bridge) in the same run. N sessions stream real-time microphone audio
// (one 40 ms frame every 40 ms); the fake model answers every frame with a 40 ms chunk of audio.
// Each microphone frame carries its send time (float64 in its first 8 bytes) and the fake copies
// it into its answer, so the round trip is timed on one clock, in the process that sent it:
//   bridged:  client ─ws─▶ bridge → runLive → SDK ─ws─▶ fake ─ws─▶ SDK → runLive → bridge ─ws─▶ client
//   baseline: LiveRequestQueue → runLive → SDK ─ws─▶ fake ─ws─▶ SDK → runLive → the caller
// The difference is what the bridge adds (two WebSocket hops, frame parsing, the outbox).
// Processes: the fake model runs in a child process in both modes; this one runs the runner and its
// callers: in-process, the code feeding LiveRequestQueue; bridged, the bridge and its browser-like
// WebSocket clients (so the bridged CPU also counts the clients' WebSocket work: an upper bound for
// the bridge; `--clients child` moves them out). CPU is this process's, per session-second.
// Uses the built packages: pnpm --filter "@earshot/bridge..." build
// Usage: node bridge.mjs [--sessions N] [--seconds S] [--rounds R] [--warmup S] [--clients same|child]
// Measuring starts WARMUP seconds after every session got its first answer (100 model connections
// opening at once take a while on a loaded machine).
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createLiveBridge } from '@earshot/bridge';
import { InMemorySessionService } from '@earshot/core';
import { GeminiLiveModel, LiveRequestQueue, LlmAgent, Runner } from '@earshot/runner';
import { FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { WebSocket } from 'ws';

const args = new Map(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1]]] : [])),
);
const SESSIONS = Number(args.get('sessions') ?? 100);
const SECONDS = Number(args.get('seconds') ?? 10);
const WARMUP_S = Number(args.get('warmup') ?? 5);
/** --clients child: the bridge's clients in their own process (CPU then excludes them, but every
 * frame crosses two more process boundaries: on a loaded machine that is scheduling delay). */
const CLIENTS_IN_CHILD = args.get('clients') === 'child';
/** Both modes run this many times, alternating; the last round is reported (the first warms the JIT). */
const ROUNDS = Number(args.get('rounds') ?? 2);
const FRAME_MS = 40;
const now = () => performance.now();
const debug = process.env.BENCH_DEBUG
  ? (...a) => console.error(`[${(now() / 1000).toFixed(1)}s]`, ...a)
  : () => {};
const micPcm = pcm16Tone({ ms: FRAME_MS, rate: 16_000, seed: 2 });
const modelPcm = pcm16Tone({ ms: FRAME_MS, rate: 24_000, seed: 1 });

/** A copy of `pcm` stamped with the current time. */
function stamped(pcm) {
  const bytes = Buffer.from(pcm);
  bytes.writeDoubleLE(now(), 0);
  return bytes;
}
const sentAt = (bytes) => bytes.readDoubleLE(0);

if (args.has('client')) {
  await driveClients(args.get('client'), (message) => process.send(message));
  setTimeout(() => process.exit(0), 200);
} else if (args.has('fake')) await runFake();
else await main();

/** Child process: the fake model. Answers every microphone frame with a chunk carrying the frame's stamp. */
async function runFake() {
  const fake = await FakeLiveServer.start({ frames: 'binary' });
  // waitFor's predicate is called for every frame as it arrives: a per-frame hook that never matches.
  fake.onConnection((conn) => {
    conn
      .waitFor(
        (frame) => {
          const data = frame.realtimeInput?.audio?.data;
          if (data === undefined) return false;
          const answer = Buffer.from(modelPcm);
          Buffer.from(data.slice(0, 12), 'base64').copy(answer, 0, 0, 8);
          conn.sendAudio(answer);
          conn.received.length = 0; // the fake keeps every frame otherwise
          conn.sent.length = 0;
          return false;
        },
        { timeoutMs: 2_000_000_000 },
      )
      .catch(() => {});
  });
  process.on('message', (message) => {
    if (message === 'exit') void fake.close().then(() => process.exit(0));
  });
  process.send({ baseUrl: fake.baseUrl });
}

/** Resolves with the value of `key` in the next IPC message from `child` that has it. */
function fromChild(child, key) {
  return new Promise((resolve) => {
    const listener = (message) => {
      if (message && typeof message === 'object' && key in message) {
        child.off('message', listener);
        resolve(message[key]);
      }
    };
    child.on('message', listener);
  });
}

/** N browser-like clients on the bridge; `report` gets {ready}, {measuring}, then {rtt, clientCpuMs}. */
async function driveClients(url, report) {
  const rtt = [];
  const answered = new Set();
  let allAnswered;
  const everyoneAnswered = new Promise((resolve) => {
    allAnswered = resolve;
  });
  let measuring = false;
  const sockets = await Promise.all(
    Array.from({ length: SESSIONS }, (_, i) => {
      // A zero mask: the clients stand in for browsers, their masking cost is not the bridge's.
      const ws = new WebSocket(`${url}&token=user-${i}`, { generateMask: (mask) => mask.fill(0) });
      ws.on('message', (data, isBinary) => {
        if (!isBinary) return;
        if (!answered.has(i)) {
          answered.add(i);
          if (answered.size === SESSIONS) allAnswered();
        }
        if (measuring) rtt.push(now() - sentAt(data));
      });
      return new Promise((resolve, reject) => {
        ws.once('error', reject);
        ws.on('message', (data, isBinary) => {
          if (!isBinary && JSON.parse(String(data)).type === 'history') resolve(ws);
        });
      });
    }),
  );
  report({ ready: true });
  const timers = sockets.map((ws, i) =>
    setTimeout(
      () => {
        timers[i] = setInterval(() => ws.send(stamped(micPcm)), FRAME_MS);
      },
      (FRAME_MS * i) / SESSIONS,
    ),
  );
  await everyoneAnswered;
  await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000));
  report({ measuring: true });
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  for (const timer of timers) clearInterval(timer);
  const cpu = process.cpuUsage();
  report({ rtt, clientCpuMs: (cpu.user + cpu.system) / 1000 });
  for (const ws of sockets) ws.close();
}

async function main() {
  const fakeProcess = fork(new URL(import.meta.url), ['--fake', '1']);
  const baseUrl = await fromChild(fakeProcess, 'baseUrl');
  const newRunner = () =>
    new Runner({
      appName: 'bench',
      agent: new LlmAgent({
        name: 'agent',
        model: new GeminiLiveModel({
          model: 'gemini-live-bench',
          apiKey: 'bench-key',
          httpOptions: { baseUrl, apiVersion: 'v1beta' },
        }),
      }),
      sessionService: new InMemorySessionService(),
    });
  const measure = async (name, run) => {
    const result = await run(
      () => ({ cpu: process.cpuUsage(), at: performance.now() }),
      (start) => {
        const cpu = process.cpuUsage(start.cpu);
        const seconds = (performance.now() - start.at) / 1000;
        return (cpu.user + cpu.system) / 1000 / seconds / SESSIONS; // CPU ms per session-second
      },
    );
    return { name, ...result };
  };

  const runBaseline = () =>
    measure('in-process runLive', async (start, stop) => {
      const runner = newRunner();
      const rtt = [];
      let measuring = false;
      const answered = new Set();
      const sessions = Array.from({ length: SESSIONS }, (_, i) => {
        const queue = new LiveRequestQueue();
        const consumed = (async () => {
          for await (const event of runner.runLive({
            userId: `user-${i}`,
            sessionId: `s${i}`,
            liveRequestQueue: queue,
          })) {
            const data = event.content?.parts?.[0]?.inlineData?.data;
            if (data === undefined) continue;
            answered.add(i);
            if (measuring) rtt.push(now() - Buffer.from(data.slice(0, 12), 'base64').readDoubleLE(0));
          }
        })();
        return { queue, consumed };
      });
      const timers = sessions.map(({ queue }, i) =>
        setTimeout(
          () => {
            timers[i] = setInterval(
              () =>
                queue.sendRealtime({
                  data: stamped(micPcm).toString('base64'),
                  mimeType: 'audio/pcm;rate=16000',
                }),
              FRAME_MS,
            );
          },
          (FRAME_MS * i) / SESSIONS,
        ),
      );
      while (answered.size < SESSIONS) await sleep(50);
      await sleep(WARMUP_S * 1000);
      measuring = true;
      const window = start();
      await sleep(SECONDS * 1000);
      const cpuPerSession = stop(window);
      measuring = false;
      for (const timer of timers) clearInterval(timer);
      for (const { queue } of sessions) queue.close();
      await Promise.all(sessions.map((s) => s.consumed));
      return { rtt, cpuPerSession };
    });

  const runBridged = () =>
    measure('through @earshot/bridge', async (start, stop) => {
      const runner = newRunner();
      const bridge = createLiveBridge({
        runner,
        authenticate: (request) => ({ userId: new URL(request.url, 'http://x').searchParams.get('token') }),
        onError: (error) => console.error('[bridge]', error.message),
      });
      const http = createServer();
      http.on(
        'upgrade',
        (request, socket, head) => bridge.handleUpgrade(request, socket, head) || socket.destroy(),
      );
      await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
      const url = `ws://127.0.0.1:${http.address().port}/live?x=1`;
      let child;
      if (CLIENTS_IN_CHILD) {
        const options = [
          '--sessions',
          String(SESSIONS),
          '--seconds',
          String(SECONDS),
          '--warmup',
          String(WARMUP_S),
        ];
        child = fork(new URL(import.meta.url), ['--client', url, ...options]);
      } else {
        child = new EventEmitter();
        void driveClients(url, (message) => child.emit('message', message));
      }
      debug('clients started');
      await fromChild(child, 'ready');
      await fromChild(child, 'measuring');
      debug('clients measuring');
      const window = start();
      const rtt = fromChild(child, 'rtt');
      const clientCpu = fromChild(child, 'clientCpuMs');
      await sleep(SECONDS * 1000);
      const cpuPerSession = stop(window);
      const result = { rtt: await rtt, cpuPerSession };
      debug('client process CPU ms', await clientCpu);
      debug('closing bridge');
      await bridge.close();
      debug('bridge closed');
      http.close();
      return result;
    });
  let baseline;
  let bridged;
  for (let round = 1; round <= ROUNDS; round++) {
    debug('round', round, 'baseline');
    baseline = await runBaseline();
    debug('round', round, 'bridged');
    bridged = await runBridged();
  }
  fakeProcess.send('exit');
  setTimeout(() => process.exit(0), 500).unref();

  const pct = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  };
  const row = (r) => ({
    mode: r.name,
    'round trip p50 ms': pct(r.rtt, 50).toFixed(2),
    'round trip p99 ms': pct(r.rtt, 99).toFixed(2),
    'CPU ms per session-s': r.cpuPerSession.toFixed(3),
    samples: r.rtt.length,
  });
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `machine: ${cpus().length} cores, load average ${load} (other work on the machine inflates p99s)`,
  );
  console.log(
    `bridge bench: ${SESSIONS} sessions, ${SECONDS} s of real-time audio each way (after ${WARMUP_S} s warm-up)`,
  );
  console.table([row(baseline), row(bridged)]);
  const added = (p) => pct(bridged.rtt, p) - pct(baseline.rtt, p);
  const ratio = (p) => pct(bridged.rtt, p) / pct(baseline.rtt, p);
  console.log(
    `added by the bridge (mic frame -> model answer -> client): p50 +${added(50).toFixed(2)} ms (x${ratio(50).toFixed(2)}), ` +
      `p99 +${added(99).toFixed(2)} ms (x${ratio(99).toFixed(2)})`,
  );
  console.log(
    `CPU per session (this process): x${(bridged.cpuPerSession / baseline.cpuPerSession).toFixed(2)} of in-process runLive`,
  );
  console.log(`target p99 added <= 5 ms: ${added(99) <= 5 ? 'met' : 'NOT met'} (${added(99).toFixed(2)} ms)`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
