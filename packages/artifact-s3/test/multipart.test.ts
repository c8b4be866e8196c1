import { randomBytes, randomUUID } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ConcurrencyError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { S3ArtifactService } from '../src/index.js';
import { scope } from './helpers/fixture.js';
import { BUCKET, useRgw } from './helpers/rgw.js';
import { isProbeRequest, recordRequests } from './helpers/s3-requests.js';

const MiB = 1024 * 1024;
const rgw = useRgw();

const wavPart = (bytes: Buffer) => ({
  inlineData: { data: bytes.toString('base64'), mimeType: 'audio/wav' },
});

/** Every key stored under a service prefix. */
async function storedKeys(prefix: string): Promise<string[]> {
  const listed = await rgw.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

/** Holds the first `count` calls of `command` until all of them have arrived. */
function holdFirst(client: S3Client, command: string, count: number): void {
  let arrived = 0;
  let open: () => void = () => {};
  const all = new Promise<void>((r) => (open = r));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === command && !isProbeRequest(args.input) && arrived < count) {
        if (++arrived === count) open();
        await Promise.race([all, new Promise((r) => setTimeout(r, 20_000))]);
      }
      return next(args);
    },
    { step: 'initialize', name: `holdFirst${command}` },
  );
}

describe('what Ceph RGW 16 does with conditional writes (why the service claims versions with PutObject only)', () => {
  it('refuses If-None-Match: * on PutObject (412) but ignores it on CompleteMultipartUpload (the object is replaced)', async () => {
    const Key = `facts-${randomUUID()}/k`;
    await rgw.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'first', IfNoneMatch: '*' }));
    const refused = await rgw.client
      .send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'second', IfNoneMatch: '*' }))
      .catch((e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode);
    expect(refused).toBe(412);
    const { UploadId } = await rgw.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    const part = await rgw.client.send(
      new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 7) }),
    );
    // AWS S3 answers 412 here; RGW 16 completes and replaces the existing object.
    await rgw.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key,
        UploadId,
        IfNoneMatch: '*',
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    const now = await rgw.client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    expect(now.ContentLength).toBe(5 * MiB);
  });
});

describe('large artifacts', () => {
  it('a 20 MiB artifact: the body is uploaded in parts to its own object, then a create-only PutObject claims the version', async () => {
    const client = rgw.newClient();
    const sent = recordRequests(client);
    const prefix = `mp-${randomUUID()}`;
    const service = new S3ArtifactService({ bucket: BUCKET, client, prefix });
    const bytes = randomBytes(20 * MiB);
    const artifact = wavPart(bytes);
    expect(
      await service.saveArtifact({ ...scope, filename: 'long.wav', artifact, customMetadata: { d: 1 } }),
    ).toBe(0);
    const count = (command: string) => sent.filter((s) => s.command === command).length;
    expect(count('CreateMultipartUploadCommand')).toBe(1);
    expect(count('UploadPartCommand')).toBe(3); // 8 + 8 + 4 MiB
    const [complete] = sent.filter((s) => s.command === 'CompleteMultipartUploadCommand');
    expect(complete?.key).toMatch(/\/long\.wav\/!body-[0-9a-f-]{36}$/);
    const claims = sent.filter((s) => s.command === 'PutObjectCommand');
    expect(claims.map((c) => [c.key?.endsWith('/long.wav/0'), c.ifNoneMatch])).toEqual([[true, '*']]);
    const loaded = await service.loadArtifact({ ...scope, filename: 'long.wav' });
    expect(loaded?.inlineData?.mimeType).toBe('audio/wav');
    expect(loaded?.inlineData?.data === artifact.inlineData.data).toBe(true);
    const [info] = await service.listArtifactVersions({ ...scope, filename: 'long.wav' });
    expect(info).toMatchObject({
      version: 0,
      mimeType: 'audio/wav',
      sizeBytes: 20 * MiB,
      customMetadata: { d: 1 },
    });
    expect(await service.listArtifactKeys(scope)).toEqual(['long.wav']);
    // deleteArtifact removes the pointer and its body.
    await service.deleteArtifact({ ...scope, filename: 'long.wav' });
    expect(await storedKeys(prefix)).toEqual([]);
  });

  it('4 concurrent 20 MiB saves of one filename, all claiming the same first version: versions 0–3, every body intact', async () => {
    const client = rgw.newClient();
    const sent = recordRequests(client);
    // Every save has its body stored before any claims a version: all race for version 0.
    holdFirst(client, 'PutObjectCommand', 4);
    const service = new S3ArtifactService({ bucket: BUCKET, client, prefix: `mp-${randomUUID()}` });
    const payloads = Array.from({ length: 4 }, () => randomBytes(20 * MiB));
    const versions = await Promise.all(
      payloads.map((p) => service.saveArtifact({ ...scope, filename: 'take.wav', artifact: wavPart(p) })),
    );
    expect([...versions].sort()).toEqual([0, 1, 2, 3]);
    expect(await service.listVersions({ ...scope, filename: 'take.wav' })).toEqual([0, 1, 2, 3]);
    for (const [i, v] of versions.entries()) {
      const loaded = await service.loadArtifact({ ...scope, filename: 'take.wav', version: v });
      expect(loaded?.inlineData?.data === payloads[i]?.toString('base64'), `save ${i} (version ${v})`).toBe(
        true,
      );
    }
    // Each body went up once; losing a race retried only the small claim.
    expect(sent.filter((s) => s.command === 'CompleteMultipartUploadCommand')).toHaveLength(4);
    expect(sent.filter((s) => s.command === 'PutObjectCommand').length).toBeGreaterThanOrEqual(4 + 3);
  }, 120_000);

  it('a save that cannot claim a version removes its body: nothing is left behind', async () => {
    const client = rgw.newClient();
    holdFirst(client, 'PutObjectCommand', 2);
    const prefix = `mp-${randomUUID()}`;
    const service = new S3ArtifactService({
      bucket: BUCKET,
      client,
      prefix,
      multipartThresholdBytes: 5 * MiB,
      multipartPartSizeBytes: 5 * MiB,
      maxSaveAttempts: 1,
    });
    const results = await Promise.allSettled(
      [1, 2].map(() =>
        service.saveArtifact({ ...scope, filename: 'f.wav', artifact: wavPart(randomBytes(6 * MiB)) }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([0]);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(ConcurrencyError);
    const keys = await storedKeys(prefix);
    expect(keys.filter((k) => k.includes('!body-'))).toHaveLength(1); // the winner's body only
    expect(keys.filter((k) => k.endsWith('/f.wav/0'))).toHaveLength(1);
  });

  it('honours the multipart threshold: a 5 MiB body is one create-only PutObject by default (no listing: version-0 shortcut)', async () => {
    const client = rgw.newClient();
    const sent = recordRequests(client);
    const service = new S3ArtifactService({ bucket: BUCKET, client, prefix: `mp-${randomUUID()}` });
    await service.saveArtifact({ ...scope, filename: 'f', artifact: wavPart(randomBytes(5 * MiB)) });
    expect(sent.map((s) => s.command)).toEqual(['PutObjectCommand']);
    expect(sent[0]?.ifNoneMatch).toBe('*');
  });
});
