// RedisSessionService benchmark (built dist; run `pnpm build` first, or `pnpm bench`).
//
// 1. appendEvent throughput and p50/p99 latency at concurrency 1 and 64, against a baseline
//    measured in the same run: raw ioredis RPUSH of the same serialized events.
// 2. getSession({numRecentEvents: 20}) latency with 1k vs 100k events in the session.
// 3. On a 6-node Redis Cluster (3 masters + 3 replicas): how 1 app x 10,000 users spread over
//    the masters (keys and MEMORY USAGE), appends/s on 3 masters vs 1 (a standalone server,
//    printed, not targeted: a 2-core machine cannot show a 3-node speed-up), and the cost of
//    durability {replicas: 1} as a throughput ratio.
//
// Targets: append >= 0.3x raw RPUSH throughput; read at 100k <= 1.2x read at 1k; no master
// holds more than 40 % of the app's keys or memory.
// Starts its own redis-server (no persistence) and cluster on loopback ports and stops them.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createEvent } from '@earshot/core';
import { RedisSessionService } from '@earshot/session-redis';
import { keysAndMemory, startRedisCluster, startRedisServer } from '@earshot/testing';
import { Cluster, Redis } from 'ioredis';

const APPENDS = { 1: 3_000, 64: 30_000 };
const READS = 1_000;
const TARGET_APPEND = 0.3;
const TARGET_READ = 1.2;
const SPREAD_USERS = 10_000;
const TURNS_PER_USER = 4;
const DURABLE_USERS = 2_000;
const TARGET_SHARE = 0.4;

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
  console.log('');
  failed = (await clusterSection(redis)) || failed;
} finally {
  await svc.close();
  redis.disconnect();
  await server.stop();
}
process.exitCode = failed ? 1 : 0;

/** One user's conversation: a session and TURNS_PER_USER appends (session and user: state). */
async function conversation(service, appName, userId) {
  const session = await service.createSession({ appName, userId, sessionId: 's' });
  for (let i = 0; i < TURNS_PER_USER; i++) await service.appendEvent({ session, event: liveEvent(i) });
}

/** `users` conversations, 64 at a time; returns appends (and creates) per second. */
async function conversations(service, appName, users) {
  const { opsPerSec } = await measure({
    total: users,
    concurrency: 64,
    op: (i) => conversation(service, appName, `user-${i}`),
  });
  return opsPerSec * (TURNS_PER_USER + 1);
}

async function clusterSection(standalone) {
  const started = performance.now();
  const cluster = await startRedisCluster();
  const client = new Cluster([...cluster.startupNodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  let missed = false;
  try {
    console.log(
      `Redis Cluster: 6 nodes (3 masters + 3 replicas), up in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const spreadSvc = new RedisSessionService({ redis: client, keyPrefix: 'spread:' });
    const clusterRate = await conversations(spreadSvc, 'big-app', SPREAD_USERS);
    const masters = client.nodes('master');
    const per = await Promise.all(masters.map((node) => keysAndMemory(node, 'spread:')));
    const keys = per.reduce((n, p) => n + p.keys, 0);
    const bytes = per.reduce((n, p) => n + p.bytes, 0);
    console.log(
      `spread of 1 app x ${SPREAD_USERS.toLocaleString('en-US')} users (${TURNS_PER_USER} appends each): ${keys.toLocaleString('en-US')} keys, ${(bytes / 1e6).toFixed(1)} MB`,
    );
    for (const [i, p] of per.entries()) {
      const keyShare = p.keys / keys;
      const byteShare = p.bytes / bytes;
      const ok = keyShare <= TARGET_SHARE && byteShare <= TARGET_SHARE;
      missed ||= !ok;
      console.log(
        `  master ${i + 1} (${masters[i].options.port}): ${p.keys.toLocaleString('en-US').padStart(7)} keys (${(keyShare * 100).toFixed(1)} %), ${(p.bytes / 1e6).toFixed(1)} MB (${(byteShare * 100).toFixed(1)} %)  (target <= ${TARGET_SHARE * 100} %) ${ok ? 'OK' : 'MISSED'}`,
      );
    }

    // The same workload on one standalone server: the 1-master baseline.
    const singleSvc = new RedisSessionService({ redis: standalone, keyPrefix: 'single:' });
    const singleRate = await conversations(singleSvc, 'big-app', SPREAD_USERS);
    console.log(`writes/s (creates + appends), 64 conversations at a time:`);
    console.log(`  1 master (standalone)   ${Math.round(singleRate).toLocaleString('en-US').padStart(8)} /s`);
    console.log(
      `  3 masters (cluster)     ${Math.round(clusterRate).toLocaleString('en-US').padStart(8)} /s`,
    );
    console.log(
      `  ratio 3 masters / 1 = ${(clusterRate / singleRate).toFixed(2)}x  (printed, not targeted: 2 cores for 6 nodes and the client)`,
    );

    // Durability: the same cluster and workload with and without WAIT 1, interleaved halves.
    const plain = new RedisSessionService({ redis: client, keyPrefix: 'plain:' });
    const durable = new RedisSessionService({
      redis: client,
      keyPrefix: 'durable:',
      durability: { replicas: 1, timeoutMs: 2000 },
    });
    let plainRate = 0;
    let durableRate = 0;
    for (const round of [1, 2]) {
      plainRate += await conversations(plain, `round-${round}`, DURABLE_USERS / 2);
      durableRate += await conversations(durable, `round-${round}`, DURABLE_USERS / 2);
    }
    console.log(
      `durability {replicas: 1} on the cluster, ${DURABLE_USERS.toLocaleString('en-US')} conversations each:`,
    );
    console.log(
      `  no wait        ${Math.round(plainRate / 2)
        .toLocaleString('en-US')
        .padStart(8)} writes/s`,
    );
    console.log(
      `  WAIT 1 replica ${Math.round(durableRate / 2)
        .toLocaleString('en-US')
        .padStart(8)} writes/s`,
    );
    console.log(
      `  ratio durable / plain throughput = ${(durableRate / plainRate).toFixed(2)}x  (cost of waiting for a replica; printed)`,
    );
  } finally {
    client.disconnect();
    await cluster.stop();
  }
  return missed;
}
