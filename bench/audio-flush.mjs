// Cost of recording live audio with AudioAggregator vs the least any recorder must do.
//
// For 1, 10 and 60 minutes of 24 kHz 16-bit mono model audio in 40 ms base64 chunks:
//   baseline    base64-decode every chunk, Buffer.concat them once and base64-encode the result
//               (what any recorder storing a base64 Part must do; no header, no storage)
//   aggregator  record every chunk, flush('end'): WAV segments (default 5-min limit), each
//               base64-encoded once and saved to a sink service that keeps the saved strings
//   in-memory   the same into core's InMemoryArtifactService (which copies the Part, sharing its string)
// Each measurement runs in a fresh child process (so peak RSS is its own), interleaved and
// repeated; the median time is reported. Target: aggregator / baseline <= 1.5, linear in length.
//
// Needs built packages: pnpm --filter @earshot/audio... build
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RATE = 24_000;
const CHUNK_BYTES = (RATE * 2 * 40) / 1000; // 1920
const POOL = 250; // 10 s of distinct chunks, reused round-robin
const MINUTES = [1, 10, 60];
// Fresh processes per cell (interleaved); the 60-minute cells cost the most, so fewer of them.
const REPEATS = { 1: 5, 10: 5, 60: 3 };
const MODES = ['baseline', 'aggregator', 'in-memory'];

if (process.argv[2] === 'child') {
  await child(process.argv[3], Number(process.argv[4]));
} else {
  parent();
}

function chunkPool() {
  const pool = [];
  let x = 0x9e3779b9;
  for (let c = 0; c < POOL; c++) {
    const bytes = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let i = 0; i < CHUNK_BYTES; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    pool.push(bytes.toString('base64'));
  }
  return pool;
}

async function child(mode, minutes) {
  const { AudioAggregator } = await import('@earshot/audio');
  const { InMemoryArtifactService } = await import('@earshot/core');
  const pool = chunkPool();
  const scope = {
    appName: 'bench',
    userId: 'u',
    sessionId: 's',
    invocationId: 'e-bench',
    agentName: 'agent',
  };
  const mimeType = `audio/pcm;rate=${RATE}`;

  const sink = () => {
    const saved = [];
    return {
      saved,
      async saveArtifact({ artifact }) {
        saved.push(artifact.inlineData.data);
        return saved.length - 1;
      },
      async loadArtifact() {
        return undefined;
      },
      async listArtifactKeys() {
        return [];
      },
      async deleteArtifact() {},
      async listVersions() {
        return [];
      },
    };
  };

  const runOnce = async (chunks) => {
    if (mode === 'baseline') {
      const parts = [];
      for (let i = 0; i < chunks; i++) parts.push(Buffer.from(pool[i % POOL], 'base64'));
      return Buffer.concat(parts).toString('base64').length;
    }
    const artifactService = mode === 'in-memory' ? new InMemoryArtifactService() : sink();
    const aggregator = new AudioAggregator({ artifactService });
    let events = 0;
    for (let i = 0; i < chunks; i++) {
      events += (await aggregator.record(scope, 'output', { data: pool[i % POOL], mimeType })).length;
    }
    events += (await aggregator.flush(scope, 'end')).length;
    return events;
  };

  await runOnce(250 * 6); // warm-up: one minute, JIT and allocator
  const chunks = (minutes * 60_000) / 40;
  const start = performance.now();
  const result = await runOnce(chunks);
  const ms = performance.now() - start;
  process.stdout.write(
    `${JSON.stringify({ ms, result, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

function parent() {
  const self = fileURLToPath(import.meta.url);
  const results = {};
  const started = performance.now();
  for (const minutes of MINUTES) {
    for (let r = 0; r < REPEATS[minutes]; r++) {
      for (const mode of MODES) {
        const run = spawnSync(process.execPath, [self, 'child', mode, String(minutes)], { encoding: 'utf8' });
        if (run.status !== 0) {
          console.error(run.stderr);
          process.exit(1);
        }
        const key = `${mode}:${minutes}`;
        results[key] ??= [];
        results[key].push(JSON.parse(run.stdout.trim().split('\n').at(-1)));
      }
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const stat = (mode, minutes) => {
    const runs = results[`${mode}:${minutes}`];
    return { ms: median(runs.map((r) => r.ms)), rss: Math.max(...runs.map((r) => r.maxRssMb)) };
  };
  const audioMb = (minutes) => ((minutes * 60 * RATE * 2) / 1e6).toFixed(1);
  console.log('audio-flush: 24 kHz mono, 40 ms base64 chunks; median of 5/5/3 fresh processes per cell');
  console.log(
    'minutes  audio MB  baseline ms  aggregator ms  ratio  in-memory ms  ratio  peak RSS MB (base/agg/in-mem)',
  );
  for (const minutes of MINUTES) {
    const b = stat('baseline', minutes);
    const a = stat('aggregator', minutes);
    const m = stat('in-memory', minutes);
    console.log(
      [
        String(minutes).padStart(7),
        audioMb(minutes).padStart(9),
        b.ms.toFixed(1).padStart(12),
        a.ms.toFixed(1).padStart(14),
        (a.ms / b.ms).toFixed(2).padStart(6),
        m.ms.toFixed(1).padStart(13),
        (m.ms / b.ms).toFixed(2).padStart(6),
        `  ${b.rss.toFixed(0)}/${a.rss.toFixed(0)}/${m.rss.toFixed(0)}`,
      ].join(' '),
    );
  }
  const perMinute = (mode) => MINUTES.map((m) => (stat(mode, m).ms / m).toFixed(1)).join(' / ');
  console.log(
    `ms per audio minute at 1/10/60 min — baseline: ${perMinute('baseline')}; aggregator: ${perMinute('aggregator')}`,
  );
  for (const mode of ['aggregator', 'in-memory']) {
    const ratio10 = stat(mode, 10).ms / stat('baseline', 10).ms;
    console.log(
      `10-minute ratio, ${mode}: ${ratio10.toFixed(2)} (target <= 1.5): ${ratio10 <= 1.5 ? 'OK' : 'OVER TARGET'}`,
    );
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
