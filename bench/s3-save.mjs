// saveArtifact (S3ArtifactService, built dist) vs a raw PutObject of the same bytes, on a real
// Ceph RADOS Gateway started here (startCephRgw, ~13 s), in the same run. Prints p50/p99 per
// size and the throughput ratio raw/save (1.0 = no overhead; target >= 0.8 for single-PUT
// sizes). The 20 MiB case is a multipart save (body in parts to its own object, then a small
// create-only PutObject claims the version) against one raw 20 MiB PutObject.
// Run: pnpm build && node s3-save.mjs
import crypto, { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ArtifactService } from '@earshot/artifact-s3';
import { startCephRgw } from '@earshot/testing';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const KiB = 1024;
const MiB = 1024 * KiB;
const BUCKET = 'bench';
const CASES = [
  { label: '100 KiB', bytes: 100 * KiB, iterations: 200, target: true },
  { label: '5 MiB', bytes: 5 * MiB, iterations: 30, target: true },
  { label: '20 MiB', bytes: 20 * MiB, iterations: 10, target: false },
];

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const fmt = (ms) => `${ms.toFixed(2)} ms`;

const rgw = await startCephRgw();
console.log(`Ceph RGW up in ${(rgw.startupMs / 1000).toFixed(1)} s at ${rgw.endpoint}`);
const client = new S3Client(rgw.clientConfig);
let worst = Number.POSITIVE_INFINITY;
try {
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // The default: the first save probes that RGW refuses If-None-Match on PutObject.
  const service = new S3ArtifactService({ bucket: BUCKET, client, prefix: 'bench' });
  const scope = { appName: 'bench', userId: 'u', sessionId: 's' };
  await service.saveArtifact({ ...scope, filename: 'warm', artifact: { text: 'probe once' } });
  for (const { label, bytes, iterations, target } of CASES) {
    const body = randomBytes(bytes);
    const artifact = { inlineData: { data: body.toString('base64'), mimeType: 'audio/wav' } };
    const raw = [];
    const rawConditional = [];
    const save = [];
    const again = [];
    const warmup = 3;
    for (let i = -warmup; i < iterations; i++) {
      const timed = (into, work) => async () => {
        const t = performance.now();
        await work();
        if (i >= 0) into.push(performance.now() - t);
      };
      const steps = [
        timed(raw, () =>
          client.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `raw/${label}/${i}`,
              Body: body,
              ContentType: 'audio/wav',
            }),
          ),
        ),
        // What the store itself charges for a create-only write with metadata, without the service.
        timed(rawConditional, () =>
          client.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `cond/${label}/${i}`,
              Body: body,
              ContentType: 'audio/wav',
              IfNoneMatch: '*',
              Metadata: { 'earshot-save': crypto.randomUUID(), 'earshot-created': String(Date.now()) },
            }),
          ),
        ),
        // A new file: one create-only PutObject (version-0 shortcut), or the multipart body + claim.
        timed(save, () => service.saveArtifact({ ...scope, filename: `save/${label}/${i}.wav`, artifact })),
        // Informational: a new version of an artifact this process already saved lists first.
        timed(again, () =>
          service.saveArtifact({ ...scope, filename: `again/${label}/${i % 5}.wav`, artifact }),
        ),
      ];
      // Alternate the order so drift on a shared machine hits every side alike.
      if (i % 2) steps.reverse();
      for (const step of steps) await step();
    }
    for (const xs of [raw, rawConditional, save, again]) xs.sort((a, b) => a - b);
    const ratio = sum(raw) / sum(save);
    if (target) worst = Math.min(worst, ratio);
    console.log(
      `${label.padEnd(8)} raw PutObject p50 ${fmt(quantile(raw, 0.5))} p99 ${fmt(quantile(raw, 0.99))} | ` +
        `saveArtifact p50 ${fmt(quantile(save, 0.5))} p99 ${fmt(quantile(save, 0.99))} | ` +
        `ratio raw/save ${ratio.toFixed(2)}${target ? '' : ' (multipart, info)'} (n=${iterations})`,
    );
    console.log(
      `${''.padEnd(8)} (info) raw create-only PutObject with metadata: p50 ${fmt(quantile(rawConditional, 0.5))} ` +
        `p99 ${fmt(quantile(rawConditional, 0.99))} | ratio raw/conditional ${(sum(raw) / sum(rawConditional)).toFixed(2)}`,
    );
    console.log(
      `${''.padEnd(8)} (info) next version of an existing artifact: p50 ${fmt(quantile(again, 0.5))} ` +
        `p99 ${fmt(quantile(again, 0.99))} | ratio raw/save ${(sum(raw) / sum(again)).toFixed(2)}`,
    );
  }
  console.log(
    `worst single-PUT ratio ${worst.toFixed(2)} (target >= 0.80): ${worst >= 0.8 ? 'OK' : 'BELOW TARGET'}`,
  );
} finally {
  client.destroy();
  await rgw.stop();
}
