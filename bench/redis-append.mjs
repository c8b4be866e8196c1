// RedisSessionService benchmark (built dist; run `pnpm build` first, or `pnpm bench`).
//
// 1. appendEvent throughput and p50/p99 latency at concurrency 1 and 64, against a baseline
//    measured in the same run: raw ioredis RPUSH of the same serialized events.
// 2. getSession({numRecentEvents: 20}) latency with 1k vs 100k events in the session.
//
// Targets: append >= 0.3x raw RPUSH throughput; read at 100k <= 1.2x read at 1k.
// Starts its own redis-server (no persistence) on a free loopback port and stops it.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createEvent } from '@earshot/core';
import { RedisSessionService } from '@earshot/session-redis';
import { startRedisServer } from '@earshot/testing';
import { Redis } from 'ioredis';

const APPENDS = { 1: 3_000, 64: 30_000 };
const READS = 1_000;
const TARGET_APPEND = 0.3;
const TARGET_READ = 1.2;

/** A typical persisted live event: a finished output transcription with a small state delta. */
function liveEvent(i) {
  return createEvent({
    invocationId: 'e-bench',
    author: 'agent',
    timestamp: Date.now(),
    outputTranscription: {
      text: `Sure, the forecast for tomorrow is sunny with a high of ${i % 40} degrees.`,
      finished: true,
    },
    usageMetadata: { promptTokenCount: 812, responseTokenCount: 37, totalTokenCount: 849 },
    actions: { stateDelta: { turns: i, 'user:lastSeen': i }, artifactDelta: {} },
  });
}

/** Runs `op(i)` `total` times with `concurrency` workers; returns ops/s and latency percentiles. */
async function measure({ total, concurrency, op }) {
  const latencies = new Float64Array(total);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const t0 = performance.now();
      await op(i);
      latencies[i] = performance.now() - t0;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort();
  const pct = (p) => latencies[Math.min(total - 1, Math.floor(p * total))];
  return { opsPerSec: total / seconds, p50: pct(0.5), p99: pct(0.99) };
}

const fmt = (r) =>
  `${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(8)} ops/s  p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms`;

const server = await startRedisServer();
const redis = new Redis(server.url);
const svc = new RedisSessionService({ redis, keyPrefix: 'bench:' });
let failed = false;
try {
  console.log(`redis-append: redis-server ${server.url} (no persistence), node ${process.version}\n`);

  // ---- 1. appends vs raw RPUSH -------------------------------------------------------------
  for (const concurrency of [1, 64]) {
    const total = APPENDS[concurrency];
    const events = Array.from({ length: total }, (_, i) => liveEvent(i));
    const bodies = events.map((e) => JSON.stringify(e));
    // Warm both paths (script cache, JIT) before measuring.
    const warm = await svc.createSession({ appName: 'bench', userId: 'u', sessionId: randomUUID() });
    for (let i = 0; i < 500; i++) {
      await svc.appendEvent({ session: warm, event: liveEvent(i) });
      await redis.rpush(`raw-warm`, bodies[i % total]);
    }
    warm.events.length = 0;

    const rawKey = `raw:${randomUUID()}`;
    const raw = await measure({ total, concurrency, op: (i) => redis.rpush(rawKey, bodies[i]) });
    const session = await svc.createSession({ appName: 'bench', userId: 'u', sessionId: randomUUID() });
    const append = await measure({
      total,
      concurrency,
      op: (i) => svc.appendEvent({ session, event: events[i] }),
    });
    const stored = await redis.hlen(
      svc.keys.session({ appName: 'bench', userId: 'u', sessionId: session.id }).events,
    );
    if (stored !== total) throw new Error(`expected ${total} stored events, found ${stored}`);
    const ratio = append.opsPerSec / raw.opsPerSec;
    const ok = ratio >= TARGET_APPEND;
    failed ||= !ok;
    console.log(`appendEvent, concurrency ${String(concurrency).padStart(2)}, ${total} events`);
    console.log(`  raw RPUSH    ${fmt(raw)}`);
    console.log(`  appendEvent  ${fmt(append)}`);
    console.log(
      `  ratio append/raw throughput = ${ratio.toFixed(2)}x  (target >= ${TARGET_APPEND}x) ${ok ? 'OK' : 'MISSED'}\n`,
    );
  }

  // ---- 2. recent-events read at 1k vs 100k ---------------------------------------------------
  const fill = async (count) => {
    const session = await svc.createSession({ appName: 'bench', userId: 'reader', sessionId: `s${count}` });
    await measure({
      total: count,
      concurrency: 64,
      op: (i) => svc.appendEvent({ session, event: liveEvent(i) }),
    });
    session.events.length = 0;
    return { appName: 'bench', userId: 'reader', sessionId: session.id, config: { numRecentEvents: 20 } };
  };
  const small = await fill(1_000);
  const big = await fill(100_000);
  for (let i = 0; i < 200; i++) {
    await svc.getSession(small);
    await svc.getSession(big);
  }
  // Interleaved, so drift on a shared machine hits both sides alike.
  const lat = { small: [], big: [] };
  for (let i = 0; i < READS; i++) {
    for (const [name, request] of i % 2
      ? [
          ['small', small],
          ['big', big],
        ]
      : [
          ['big', big],
          ['small', small],
        ]) {
      const t0 = performance.now();
      const s = await svc.getSession(request);
      lat[name].push(performance.now() - t0);
      if (s.events.length !== 20) throw new Error(`expected 20 events, got ${s.events.length}`);
    }
  }
  const stats = (xs) => {
    xs.sort((a, b) => a - b);
    return { p50: xs[Math.floor(xs.length / 2)], p99: xs[Math.floor(xs.length * 0.99)] };
  };
  const s1 = stats(lat.small);
  const s100 = stats(lat.big);
  const readRatio = s100.p50 / s1.p50;
  const readOk = readRatio <= TARGET_READ;
  failed ||= !readOk;
  console.log(`getSession({numRecentEvents: 20}), ${READS} reads each, interleaved`);
  console.log(`  1k events    p50 ${s1.p50.toFixed(3)} ms  p99 ${s1.p99.toFixed(3)} ms`);
  console.log(`  100k events  p50 ${s100.p50.toFixed(3)} ms  p99 ${s100.p99.toFixed(3)} ms`);
  console.log(
    `  ratio 100k/1k p50 latency = ${readRatio.toFixed(2)}x  (target <= ${TARGET_READ}x) ${readOk ? 'OK' : 'MISSED'}`,
  );
} finally {
  await svc.close();
  redis.disconnect();
  await server.stop();
}
process.exitCode = failed ? 1 : 0;
