import type { S3Client } from '@aws-sdk/client-s3';
import { type S3ConditionalWriteGate, startS3ConditionalWriteGate } from '@earshot/testing';
import { afterAll, beforeAll } from 'vitest';
import { type S3rverProcess, startS3rver } from './s3rver.js';

export interface GatedS3rver {
  /** s3rver itself (ignores conditional writes). */
  readonly server: S3rverProcess;
  /** The conditional-write gate in front of it. */
  readonly gate: S3ConditionalWriteGate;
  /** Registers a client to be destroyed after the file's tests; returns it. */
  track(client: S3Client): S3Client;
}

/**
 * For one test file: starts s3rver and the conditional-write gate before its tests and stops
 * both (and destroys every tracked client) after them.
 */
export function useGatedS3rver(): GatedS3rver {
  let server: S3rverProcess | undefined;
  let gate: S3ConditionalWriteGate | undefined;
  const clients: S3Client[] = [];
  beforeAll(async () => {
    server = await startS3rver();
    gate = await startS3ConditionalWriteGate({ upstream: server.endpoint });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await gate?.close();
    await server?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started (use it inside a test)`);
    return value;
  };
  return {
    get server() {
      return started(server, 's3rver');
    },
    get gate() {
      return started(gate, 'the gate');
    },
    track(client) {
      clients.push(client);
      return client;
    },
  };
}
