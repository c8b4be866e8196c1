// saveArtifact (S3ArtifactService, built dist) vs a raw PutObject of the same bytes, on the same
// s3rver, in the same run. Prints p50/p99 per size and the throughput ratio raw/save
// (1.0 = no overhead; target >= 0.8). Run: pnpm --filter @earshot/artifact-s3 build && node s3-save.mjs
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ArtifactService } from '@earshot/artifact-s3';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const KiB = 1024;
const MiB = 1024 * KiB;
const BUCKET = 'bench';
const CASES = [
  { label: '100 KiB', bytes: 100 * KiB, iterations: 300 },
  { label: '5 MiB', bytes: 5 * MiB, iterations: 40 },
];

async function startS3rver() {
  const bin = join(dirname(createRequire(import.meta.url).resolve('s3rver/package.json')), 'bin/s3rver.js');
  const dir = await mkdtemp(join(tmpdir(), 'earshot-bench-s3rver-'));
  const child = spawn(
    process.execPath,
    [
      bin,
      '-d',
      dir,
      '-a',
      '127.0.0.1',
      '-p',
      '0',
      '--silent',
      '--no-vhost-buckets',
      '--configure-bucket',
      BUCKET,
    ],
    {
      env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${out}`)), 20_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${out}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const fmt = (ms) => `${ms.toFixed(2)} ms`;

const server = await startS3rver();
const client = new S3Client({
  endpoint: server.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
// s3rver stands in for a store that enforces If-None-Match (AWS S3, MinIO, R2, GCS): tell the
// service so, or its probe would find s3rver ignoring the header and list before every save.
// The requests per save are then what a real store gets (one create-only PUT for a new file).
const service = new S3ArtifactService({
  bucket: BUCKET,
  client,
  prefix: 'bench',
  conditionalWrites: 'assume',
});
const scope = { appName: 'bench', userId: 'u', sessionId: 's' };

let worst = Number.POSITIVE_INFINITY;
try {
  for (const { label, bytes, iterations } of CASES) {
    const body = randomBytes(bytes);
    const artifact = { inlineData: { data: body.toString('base64'), mimeType: 'audio/wav' } };
    const raw = [];
    const save = [];
    const again = [];
    const warmup = 5;
    for (let i = -warmup; i < iterations; i++) {
      // Alternate the order so drift on a shared machine hits both sides alike.
      const steps = [
        async () => {
          const t = performance.now();
          await client.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `raw/${label}/${i}`,
              Body: body,
              ContentType: 'audio/wav',
            }),
          );
          if (i >= 0) raw.push(performance.now() - t);
        },
        async () => {
          const t = performance.now();
          await service.saveArtifact({ ...scope, filename: `save/${label}/${i}.wav`, artifact });
          if (i >= 0) save.push(performance.now() - t);
        },
      ];
      // Informational: a new version of an artifact this process already saved lists first.
      steps.push(async () => {
        const t = performance.now();
        await service.saveArtifact({ ...scope, filename: `again/${label}/${i % 10}.wav`, artifact });
        if (i >= 0) again.push(performance.now() - t);
      });
      if (i % 2) steps.reverse();
      for (const step of steps) await step();
    }
    raw.sort((a, b) => a - b);
    save.sort((a, b) => a - b);
    again.sort((a, b) => a - b);
    const ratio = sum(raw) / sum(save);
    worst = Math.min(worst, ratio);
    console.log(
      `${label.padEnd(8)} raw PutObject p50 ${fmt(quantile(raw, 0.5))} p99 ${fmt(quantile(raw, 0.99))} | ` +
        `saveArtifact p50 ${fmt(quantile(save, 0.5))} p99 ${fmt(quantile(save, 0.99))} | ` +
        `ratio raw/save ${ratio.toFixed(2)} (n=${iterations})`,
    );
    console.log(
      `${''.padEnd(8)} (info) next version of an existing artifact: p50 ${fmt(quantile(again, 0.5))} ` +
        `p99 ${fmt(quantile(again, 0.99))} | ratio raw/save ${(sum(raw) / sum(again)).toFixed(2)}`,
    );
  }
  console.log(`worst ratio ${worst.toFixed(2)} (target >= 0.80): ${worst >= 0.8 ? 'OK' : 'BELOW TARGET'}`);
} finally {
  client.destroy();
  await server.stop();
}
