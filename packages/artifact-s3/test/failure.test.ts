import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { HeadBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { StorageError } from '@earshot/core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildClient, CLIENT_DEFAULTS } from '../src/client.js';
import { S3ArtifactService } from '../src/index.js';
import { startCuttingProxy } from './helpers/cutting-proxy.js';
import { scope } from './helpers/fixture.js';
import { BUCKET, useRgw } from './helpers/rgw.js';

const MiB = 1024 * 1024;
const rgw = useRgw();
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const configFor = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'KEY', secretAccessKey: 'SECRET' },
  requestChecksumCalculation: 'WHEN_REQUIRED' as const,
  responseChecksumValidation: 'WHEN_REQUIRED' as const,
});

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A loopback server that accepts connections and never answers (a hung endpoint). */
async function silentServer(): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function timed(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  try {
    await work();
    return { error: undefined, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

describe('failures', () => {
  it('an unreachable endpoint fails fast with a StorageError that names it and keeps the cause', async () => {
    const endpoint = `http://127.0.0.1:${await deadPort()}`;
    const service = new S3ArtifactService({ bucket: BUCKET, clientConfig: configFor(endpoint) });
    cleanups.push(() => service.close());
    const operations = [
      () => service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'x' } }),
      () => service.loadArtifact({ ...scope, filename: 'f' }),
      () => service.loadArtifact({ ...scope, filename: 'f', version: 0 }),
      () => service.listArtifactKeys(scope),
      () => service.listVersions({ ...scope, filename: 'f' }),
      () => service.deleteArtifact({ ...scope, filename: 'f' }),
    ];
    for (const operation of operations) {
      const { error, ms } = await timed(operation);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toContain(`S3 endpoint ${endpoint} is unreachable`);
      expect((error as StorageError).message).toContain('after 3 attempt(s)');
      expect((error as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
      expect(ms).toBeLessThan(5_000);
    }
  });

  it('a hung endpoint times out instead of hanging', async () => {
    const endpoint = await silentServer();
    const service = new S3ArtifactService({
      bucket: BUCKET,
      clientConfig: {
        ...configFor(endpoint),
        maxAttempts: 2,
        requestHandler: { connectionTimeout: 500, socketTimeout: 500 },
      },
    });
    cleanups.push(() => service.close());
    const { error, ms } = await timed(() =>
      service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'x' } }),
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toMatch(/unreachable.*TimeoutError/);
    expect(ms).toBeLessThan(10_000);
  });

  it('a client the service builds has timeouts and a bounded retry count by default', async () => {
    const client = buildClient(configFor(`http://127.0.0.1:${await deadPort()}`));
    cleanups.push(() => client.destroy());
    expect(await client.config.maxAttempts()).toBe(CLIENT_DEFAULTS.maxAttempts);
    await client.send(new HeadBucketCommand({ Bucket: BUCKET })).catch(() => undefined); // resolves the handler config
    const handler = client.config.requestHandler as unknown as {
      httpHandlerConfigs(): Record<string, unknown>;
    };
    expect(handler.httpHandlerConfigs()).toMatchObject({
      connectionTimeout: CLIENT_DEFAULTS.connectionTimeoutMs,
      socketTimeout: CLIENT_DEFAULTS.socketTimeoutMs,
    });
  });

  it('a missing bucket is a StorageError that says so', async () => {
    const service = new S3ArtifactService({ bucket: 'no-such-bucket', client: rgw.client });
    const { error } = await timed(() =>
      service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'x' } }),
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toMatch(/bucket "no-such-bucket" does not exist/);
  });

  it('the connection to RGW cut mid-upload (multipart): a StorageError, and nothing of the save is visible or left over', async () => {
    // Every connection is cut after 1 MiB toward the store: each 8 MiB part dies on the way.
    const proxy = await startCuttingProxy({ upstream: inject('rgw').endpoint, requestBytes: MiB });
    cleanups.push(() => proxy.close());
    const prefix = `crash-${randomUUID()}`;
    const cut = rgw.newClient({ endpoint: proxy.endpoint });
    const service = new S3ArtifactService({ bucket: BUCKET, client: cut, prefix });
    const req = { ...scope, filename: 'long.wav' };
    const data = randomBytes(20 * MiB).toString('base64');
    const { error, ms } = await timed(() =>
      service.saveArtifact({ ...req, artifact: { inlineData: { data, mimeType: 'audio/wav' } } }),
    );
    expect(proxy.cuts).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain('multipart upload');
    expect(ms).toBeLessThan(20_000);

    const direct = new S3ArtifactService({ bucket: BUCKET, client: rgw.client, prefix });
    expect(await direct.listVersions(req)).toEqual([]);
    expect(await direct.loadArtifact(req)).toBeUndefined();
    expect(await direct.listArtifactKeys(scope)).toEqual([]);
    const stored = await rgw.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
    expect(stored.KeyCount ?? 0).toBe(0); // no body object either
    const uploads = await rgw.client.send(
      new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: `${prefix}/` }),
    );
    expect(uploads.Uploads ?? []).toEqual([]); // the upload was aborted, its parts freed
    expect(await direct.saveArtifact({ ...req, artifact: { text: 'after the crash' } })).toBe(0);
  });

  it('a response cut off mid-body is a StorageError, not a short artifact', async () => {
    const prefix = `cut-${randomUUID()}`;
    const req = { ...scope, filename: 'f.bin' };
    const data = randomBytes(2 * MiB).toString('base64');
    await new S3ArtifactService({ bucket: BUCKET, client: rgw.client, prefix }).saveArtifact({
      ...req,
      artifact: { inlineData: { data, mimeType: 'a/b' } },
    });
    // Passes 64 KiB of every response, then drops the connection.
    const proxy = await startCuttingProxy({ upstream: inject('rgw').endpoint, responseBytes: 64 * 1024 });
    cleanups.push(() => proxy.close());
    const service = new S3ArtifactService({
      bucket: BUCKET,
      client: rgw.newClient({ endpoint: proxy.endpoint }),
      prefix,
    });
    const { error } = await timed(() => service.loadArtifact({ ...req, version: 0 }));
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain('GetObject');
  });
});
