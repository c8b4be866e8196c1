import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, inject } from 'vitest';
import { S3ArtifactService, type S3ArtifactServiceOptions } from '../../src/index.js';

export const BUCKET = 'artifacts';

export interface RgwConfig {
  endpoint: string;
  region: string;
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
  startupMs: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    rgw: RgwConfig;
  }
}

/** The shared gateway's S3 client settings (started by `rgw-global-setup.ts`). */
export function rgwClientConfig(extra: { maxAttempts?: number; endpoint?: string } = {}) {
  const { startupMs: _, ...config } = inject('rgw');
  return {
    ...config,
    maxAttempts: extra.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: 2_000, socketTimeout: 10_000 },
    ...(extra.endpoint ? { endpoint: extra.endpoint } : {}),
  };
}

export interface RgwFixture {
  /** One client to the gateway shared by the file's tests. */
  readonly client: S3Client;
  /** A client of its own (for middleware), destroyed after the file's tests. */
  newClient(extra?: { maxAttempts?: number; endpoint?: string }): S3Client;
  /** A service over a fresh random prefix (an empty, isolated store) on the shared client. */
  service(options?: Partial<S3ArtifactServiceOptions>): S3ArtifactService;
}

/** For one test file: clients to the shared RGW, all destroyed after the file. */
export function useRgw(): RgwFixture {
  const clients: S3Client[] = [];
  let shared: S3Client | undefined;
  afterAll(() => {
    for (const c of clients) c.destroy();
  });
  const newClient = (extra = {}) => {
    const c = new S3Client(rgwClientConfig(extra));
    clients.push(c);
    return c;
  };
  return {
    get client() {
      shared ??= newClient();
      return shared;
    },
    newClient,
    service(options = {}) {
      shared ??= newClient();
      return new S3ArtifactService({
        bucket: BUCKET,
        client: shared,
        prefix: `t-${randomUUID()}`,
        ...options,
      });
    },
  };
}
