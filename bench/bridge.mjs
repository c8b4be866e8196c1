// @earshot/bridge: the latency and CPU the bridge adds, against the same traffic driven into
// runLive in-process (no bridge) in the same run. N sessions stream real-time microphone audio
// (one 40 ms frame every 40 ms); the fake model answers every frame with a 40 ms chunk of audio.
// Each frame carries its send time (epoch ms, float64 in its first 8 bytes):
//   up   = browser-like client sends a frame → FakeLiveServer receives it
//   down = FakeLiveServer sends a chunk → the client has it (bridge: a WebSocket client in a child
//          process; baseline: the event yielded by runLive in this process)
// CPU is this process's (bridge + runner + SDK + fake model; the bridge's clients run in the child).
// Uses the built packages: pnpm --filter "@earshot/bridge..." build
// Usage: node bridge.mjs [--sessions N] [--seconds S]
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
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
const WARMUP_S = 2;
const FRAME_MS = 40;
const epoch = () => performance.timeOrigin + performance.now();
const micPcm = pcm16Tone({ ms: FRAME_MS, rate: 16_000, seed: 2 });
const modelPcm = pcm16Tone({ ms: FRAME_MS, rate: 24_000, seed: 1 });

/** A copy of `pcm` stamped with the current time. */
function stamped(pcm) {
  const bytes = Buffer.from(pcm);
  bytes.writeDoubleLE(epoch(), 0);
  return bytes;
}
const sentAt = (bytes) => bytes.readDoubleLE(0);

if (args.has('client')) await runClients(args.get('client'));
else await main();

/** Child process: N browser-like clients on the bridge; prints their down-latencies as JSON. */
async function runClients(url) {
  const down = [];
  let measuring = false;
  const sockets = await Promise.all(
    Array.from({ length: SESSIONS }, (_, i) => {
      const ws = new WebSocket(`${url}&token=user-${i}`);
      ws.on('message', (data, isBinary) => {
        if (isBinary && measuring) down.push(epoch() - sentAt(data));
      });
      return new Promise((resolve, reject) => {
        ws.once('error', reject);
        ws.on('message', (data, isBinary) => {
          if (!isBinary && JSON.parse(String(data)).type === 'history') resolve(ws);
        });
      });
    }),
  );
  process.send({ ready: true });
  const timers = sockets.map((ws, i) =>
    setTimeout(
      () => {
        timers[i] = setInterval(() => ws.send(stamped(micPcm)), FRAME_MS);
      },
      (FRAME_MS * i) / SESSIONS,
    ),
  );
  setTimeout(() => {
    measuring = true;
  }, WARMUP_S * 1000);
  await new Promise((resolve) => setTimeout(resolve, (WARMUP_S + SECONDS) * 1000));
  for (const timer of timers) clearInterval(timer);
  process.send({ down });
  for (const ws of sockets) ws.close();
  setTimeout(() => process.exit(0), 200);
}

async function main() {
  const fake = await FakeLiveServer.start({ frames: 'binary' });
  let up = [];
  let measuring = false;
  // The fake model answers every microphone frame with one stamped chunk. waitFor's predicate is
  // called for every frame as it arrives: used here as a per-frame hook that never matches.
  fake.onConnection((conn) => {
    conn
      .waitFor(
        (frame) => {
          const data = frame.realtimeInput?.audio?.data;
          if (data === undefined) return false;
          if (measuring) up.push(epoch() - Buffer.from(data.slice(0, 12), 'base64').readDoubleLE(0));
          conn.sendAudio(stamped(modelPcm));
          conn.received.length = 0; // the fake keeps every frame otherwise
          conn.sent.length = 0;
          return false;
        },
        { timeoutMs: 2_000_000_000 },
      )
      .catch(() => {});
  });
  const newRunner = () =>
    new Runner({
      appName: 'bench',
      agent: new LlmAgent({
        name: 'agent',
        model: new GeminiLiveModel({
          model: 'gemini-live-bench',
          apiKey: 'bench-key',
          httpOptions: { baseUrl: fake.baseUrl, apiVersion: 'v1beta' },
        }),
      }),
      sessionService: new InMemorySessionService(),
    });
  const measure = async (name, run) => {
    up = [];
    measuring = false;
    const result = await run(
      () => {
        measuring = true;
        return { cpu: process.cpuUsage(), at: performance.now() };
      },
      (start) => {
        measuring = false;
        const cpu = process.cpuUsage(start.cpu);
        const seconds = (performance.now() - start.at) / 1000;
        return (cpu.user + cpu.system) / 1000 / seconds / SESSIONS; // CPU ms per session-second
      },
    );
    return { name, up: [...up], ...result };
  };

  const baseline = await measure('in-process runLive', async (start, stop) => {
    const runner = newRunner();
    const down = [];
    let measuringDown = false;
    const sessions = Array.from({ length: SESSIONS }, (_, i) => {
      const queue = new LiveRequestQueue();
      const consumed = (async () => {
        for await (const event of runner.runLive({
          userId: `user-${i}`,
          sessionId: `s${i}`,
          liveRequestQueue: queue,
        })) {
          const data = event.content?.parts?.[0]?.inlineData?.data;
          if (data !== undefined && measuringDown) {
            down.push(epoch() - Buffer.from(data.slice(0, 12), 'base64').readDoubleLE(0));
          }
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
    await sleep(WARMUP_S * 1000);
    measuringDown = true;
    const window = start();
    await sleep(SECONDS * 1000);
    const cpuPerSession = stop(window);
    measuringDown = false;
    for (const timer of timers) clearInterval(timer);
    for (const { queue } of sessions) queue.close();
    await Promise.all(sessions.map((s) => s.consumed));
    return { down, cpuPerSession };
  });

  const bridged = await measure('through @earshot/bridge', async (start, stop) => {
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
    const child = fork(new URL(import.meta.url), [
      '--client',
      `ws://127.0.0.1:${http.address().port}/live?x=1`,
      '--sessions',
      String(SESSIONS),
      '--seconds',
      String(SECONDS),
    ]);
    const fromChild = (key) =>
      new Promise((resolve) => child.on('message', (m) => key in m && resolve(m[key])));
    await fromChild('ready');
    await sleep(WARMUP_S * 1000);
    const window = start();
    const down = fromChild('down');
    await sleep(SECONDS * 1000);
    const cpuPerSession = stop(window);
    const result = { down: await down, cpuPerSession };
    await bridge.close();
    http.close();
    return result;
  });
  await fake.close();

  const pct = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  };
  const row = (r) => ({
    mode: r.name,
    'up p50 ms': pct(r.up, 50).toFixed(2),
    'up p99 ms': pct(r.up, 99).toFixed(2),
    'down p50 ms': pct(r.down, 50).toFixed(2),
    'down p99 ms': pct(r.down, 99).toFixed(2),
    'CPU ms per session-s': r.cpuPerSession.toFixed(3),
    samples: r.up.length + r.down.length,
  });
  console.log(
    `bridge bench: ${SESSIONS} sessions, ${SECONDS} s of real-time audio each way (after ${WARMUP_S} s warm-up)`,
  );
  console.table([row(baseline), row(bridged)]);
  const added = (key, p) => pct(bridged[key], p) - pct(baseline[key], p);
  const ratio = (key, p) => pct(bridged[key], p) / pct(baseline[key], p);
  console.log(
    `added by the bridge: up p50 +${added('up', 50).toFixed(2)} ms (x${ratio('up', 50).toFixed(2)}), ` +
      `up p99 +${added('up', 99).toFixed(2)} ms (x${ratio('up', 99).toFixed(2)}), ` +
      `down p50 +${added('down', 50).toFixed(2)} ms (x${ratio('down', 50).toFixed(2)}), ` +
      `down p99 +${added('down', 99).toFixed(2)} ms (x${ratio('down', 99).toFixed(2)})`,
  );
  console.log(
    `CPU per session: x${(bridged.cpuPerSession / baseline.cpuPerSession).toFixed(2)} of in-process runLive`,
  );
  const worst = Math.max(added('up', 99), added('down', 99));
  console.log(`target p99 added <= 5 ms: ${worst <= 5 ? 'met' : 'NOT met'} (${worst.toFixed(2)} ms)`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
