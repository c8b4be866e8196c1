import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { S3ArtifactService, type S3ArtifactServiceOptions } from '../../src/index.js';
import { BUCKET, type S3rverProcess, s3rverClient, startS3rver } from './s3rver.js';

export interface S3Fixture {
  server: S3rverProcess;
  client: S3Client;
  /** A service over a fresh random prefix: an empty, isolated store. */
  service(options?: Partial<S3ArtifactServiceOptions>): S3ArtifactService;
}

/** One s3rver child process per test file, stopped by pid after the file. */
export function useS3rver(): S3Fixture {
  const fixture = {} as S3Fixture;
  beforeAll(async () => {
    fixture.server = await startS3rver();
    fixture.client = s3rverClient(fixture.server.endpoint);
    fixture.service = (options = {}) =>
      new S3ArtifactService({
        bucket: BUCKET,
        client: fixture.client,
        prefix: `t-${randomUUID()}`,
        ...options,
      });
  });
  afterAll(async () => {
    fixture.client?.destroy();
    await fixture.server?.stop();
  });
  return fixture;
}

export const scope = { appName: 'app', userId: 'alice', sessionId: 's1' } as const;

export function bytesPart(bytes: Buffer | string, mimeType = 'application/octet-stream') {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return { inlineData: { data: data.toString('base64'), mimeType } };
}
