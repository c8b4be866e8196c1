import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { StorageError } from '@earshot/core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildClient, CLIENT_DEFAULTS } from '../src/client.js';
import { S3ArtifactService } from '../src/index.js';
import { scope } from './helpers/fixture.js';
import { BUCKET, type S3rverProcess, s3rverClient, startS3rver } from './helpers/s3rver.js';

const MiB = 1024 * 1024;
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const s3rverConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
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
    const service = new S3ArtifactService({ bucket: BUCKET, clientConfig: s3rverConfig(endpoint) });
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
        ...s3rverConfig(endpoint),
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
    const client = buildClient(s3rverConfig(`http://127.0.0.1:${await deadPort()}`));
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
    const server = await startS3rver();
    cleanups.push(() => server.stop());
    const client = s3rverClient(server.endpoint);
    cleanups.push(() => client.destroy());
    const service = new S3ArtifactService({ bucket: 'no-such-bucket', client });
    const { error } = await timed(() =>
      service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'x' } }),
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toMatch(/bucket "no-such-bucket" does not exist/);
  });

  it('the endpoint dying mid-save (multipart): a StorageError, and after a restart nothing of it is visible', async () => {
    let server: S3rverProcess = await startS3rver();
    cleanups.push(() => server.stop());
    const prefix = `crash-${randomUUID()}`;
    const client = s3rverClient(server.endpoint);
    cleanups.push(() => client.destroy());
    let killed: Promise<void> | undefined;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // The first part is on its way: the server dies under it.
        if (context.commandName === 'UploadPartCommand' && !killed) killed = server.kill();
        return next(args);
      },
      { step: 'initialize', name: 'killServerOnFirstPart' },
    );
    const service = new S3ArtifactService({ bucket: BUCKET, client, prefix });
    const req = { ...scope, filename: 'long.wav' };
    const data = randomBytes(20 * MiB).toString('base64');
    const { error, ms } = await timed(() =>
      service.saveArtifact({ ...req, artifact: { inlineData: { data, mimeType: 'audio/wav' } } }),
    );
    expect(killed).toBeDefined();
    expect(error).toBeInstanceOf(StorageError);
    expect(ms).toBeLessThan(15_000);

    await killed;
    server = await startS3rver({ directory: server.directory });
    const after = s3rverClient(server.endpoint);
    cleanups.push(() => after.destroy());
    const restarted = new S3ArtifactService({ bucket: BUCKET, client: after, prefix });
    expect(await restarted.listVersions(req)).toEqual([]);
    expect(await restarted.loadArtifact(req)).toBeUndefined();
    expect(await restarted.listArtifactKeys(scope)).toEqual([]);
    expect(await restarted.saveArtifact({ ...req, artifact: { text: 'after the crash' } })).toBe(0);
  });

  it('a response cut off mid-body is a StorageError, not a short artifact', async () => {
    const server = await startS3rver();
    cleanups.push(() => server.stop());
    const direct = s3rverClient(server.endpoint);
    cleanups.push(() => direct.destroy());
    const prefix = `cut-${randomUUID()}`;
    const req = { ...scope, filename: 'f.bin' };
    const data = randomBytes(2 * MiB).toString('base64');
    await new S3ArtifactService({ bucket: BUCKET, client: direct, prefix }).saveArtifact({
      ...req,
      artifact: { inlineData: { data, mimeType: 'a/b' } },
    });
    // A proxy that passes 64 KiB of every response and then drops the connection.
    const upstream = new URL(server.endpoint);
    const proxy = net.createServer((inbound) => {
      const outbound = net.connect(Number(upstream.port), upstream.hostname);
      let passed = 0;
      inbound.pipe(outbound);
      outbound.on('data', (chunk: Buffer) => {
        passed += chunk.length;
        if (passed > 64 * 1024) {
          inbound.destroy();
          outbound.destroy();
        } else inbound.write(chunk);
      });
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const cut = s3rverClient(`http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`);
    cleanups.push(() => cut.destroy());
    const service = new S3ArtifactService({ bucket: BUCKET, client: cut, prefix });
    const { error } = await timed(() => service.loadArtifact({ ...req, version: 0 }));
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain('GetObject');
  });
});
