import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type S3ConditionalWriteGate, startS3ConditionalWriteGate } from '../src/s3/index.js';

/**
 * A stand-in upstream that, like s3rver, ignores conditional headers: it stores every PUT
 * (after a short delay, so racing writers interleave) and answers HEAD from its map.
 */
function startFakeUpstream() {
  const objects = new Map<string, { body: Buffer; etag: string }>();
  const writes: string[] = [];
  const server = http.createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method === 'PUT' || req.method === 'POST') {
      await delay(5);
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      objects.set(path, { body, etag });
      writes.push(path);
      res.writeHead(200, { etag }).end();
    } else if (req.method === 'HEAD' || req.method === 'GET') {
      const object = objects.get(path);
      if (!object) res.writeHead(404).end();
      else res.writeHead(200, { etag: object.etag }).end(req.method === 'GET' ? object.body : undefined);
    } else {
      res.writeHead(405).end();
    }
  });
  server.listen(0, '127.0.0.1');
  return {
    objects,
    writes,
    async url() {
      if (!server.listening) await once(server, 'listening');
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('S3 conditional-write gate', () => {
  let upstream: ReturnType<typeof startFakeUpstream>;
  let gate: S3ConditionalWriteGate;

  beforeAll(async () => {
    upstream = startFakeUpstream();
    gate = await startS3ConditionalWriteGate({ upstream: await upstream.url() });
  });
  afterAll(async () => {
    await gate.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.objects.clear();
    upstream.writes.length = 0;
  });

  const put = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gate.endpoint}${path}`, { method: 'PUT', body, headers });

  it('passes unconditional requests through', async () => {
    expect((await put('/b/k', 'one')).status).toBe(200);
    expect((await put('/b/k', 'two')).status).toBe(200);
    const res = await fetch(`${gate.endpoint}/b/k`);
    expect(await res.text()).toBe('two');
  });

  it('answers 412 PreconditionFailed to If-None-Match: * on an existing key, without forwarding it', async () => {
    expect((await put('/b/k', 'one', { 'if-none-match': '*' })).status).toBe(200);
    const second = await put('/b/k', 'two', { 'if-none-match': '*' });
    expect(second.status).toBe(412);
    expect(await second.text()).toContain('<Code>PreconditionFailed</Code>');
    expect(upstream.writes).toEqual(['/b/k']);
    expect(upstream.objects.get('/b/k')?.body.toString()).toBe('one');
  });

  it('lets exactly one of 20 racing create-only writers of a key through', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        put('/b/race', `w${i}`, { 'if-none-match': '*' }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    expect(upstream.writes).toEqual(['/b/race']);
  });

  it('treats differently percent-encoded spellings of one key as the same object', async () => {
    expect((await put('/b/a!b', 'one', { 'if-none-match': '*' })).status).toBe(200);
    expect((await put('/b/a%21b', 'two', { 'if-none-match': '*' })).status).toBe(412);
  });

  it('checks If-Match against the current ETag, and 404s it on a missing key', async () => {
    expect((await put('/b/m', 'x', { 'if-match': '"nope"' })).status).toBe(404);
    const first = await put('/b/m', 'one');
    const etag = first.headers.get('etag') ?? '';
    expect((await put('/b/m', 'two', { 'if-match': '"stale"' })).status).toBe(412);
    expect((await put('/b/m', 'two', { 'if-match': etag })).status).toBe(200);
  });

  it('gates CompleteMultipartUpload (POST ?uploadId) too', async () => {
    await put('/b/big', 'exists');
    const res = await fetch(`${gate.endpoint}/b/big?uploadId=u1`, {
      method: 'POST',
      body: '<CompleteMultipartUpload/>',
      headers: { 'if-none-match': '*' },
    });
    expect(res.status).toBe(412);
    const fresh = await fetch(`${gate.endpoint}/b/new?uploadId=u2`, {
      method: 'POST',
      body: '<CompleteMultipartUpload/>',
      headers: { 'if-none-match': '*' },
    });
    expect(fresh.status).toBe(200);
  });

  it('counts what it rejected', async () => {
    const before = gate.rejected;
    await put('/b/c', 'one', { 'if-none-match': '*' });
    await put('/b/c', 'two', { 'if-none-match': '*' });
    expect(gate.rejected).toBe(before + 1);
  });
});
