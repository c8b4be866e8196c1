import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { type S3ConditionalWriteGate, startS3ConditionalWriteGate } from '@earshot/testing';
import { artifactServiceConformance } from '@earshot/testing/conformance';
import { afterAll, beforeAll } from 'vitest';
import { S3ArtifactService } from '../src/index.js';
import { BUCKET, type S3rverProcess, s3rverClient, startS3rver } from './helpers/s3rver.js';

// s3rver behind the conditional-write gate, so the suite's race check runs the real
// If-None-Match path; each check gets a fresh random prefix (an empty, isolated store).
let server: S3rverProcess;
let gate: S3ConditionalWriteGate;
let client: S3Client;

beforeAll(async () => {
  server = await startS3rver();
  gate = await startS3ConditionalWriteGate({ upstream: server.endpoint });
  client = s3rverClient(gate.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await gate?.close();
  await server?.stop();
});

artifactServiceConformance(
  'S3ArtifactService on s3rver',
  async () => new S3ArtifactService({ bucket: BUCKET, client, prefix: `conformance-${randomUUID()}` }),
  { timeoutMs: 60_000 },
);
