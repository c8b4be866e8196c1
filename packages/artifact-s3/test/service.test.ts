import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { InvalidArgumentError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { createS3ArtifactService, S3ArtifactService } from '../src/index.js';
import { bytesPart, scope } from './helpers/fixture.js';
import { BUCKET, useRgw } from './helpers/rgw.js';

const s3 = useRgw();

describe('S3ArtifactService on Ceph RGW', () => {
  it('numbers versions 0, 1, 2 and loads the latest or a given one', async () => {
    const service = s3.service();
    const req = { ...scope, filename: 'notes.txt' };
    expect(await service.saveArtifact({ ...req, artifact: { text: 'v0' } })).toBe(0);
    expect(await service.saveArtifact({ ...req, artifact: { text: 'v1' } })).toBe(1);
    expect(await service.saveArtifact({ ...req, artifact: { text: 'v2' } })).toBe(2);
    expect(await service.listVersions(req)).toEqual([0, 1, 2]);
    expect(await service.loadArtifact(req)).toEqual({ text: 'v2' });
    expect(await service.loadArtifact({ ...req, version: 1 })).toEqual({ text: 'v1' });
    expect(await service.loadArtifact({ ...req, version: 3 })).toBeUndefined();
    expect(await service.loadArtifact({ ...req, filename: 'missing' })).toBeUndefined();
    expect(await service.listVersions({ ...req, filename: 'missing' })).toEqual([]);
  });

  it('round-trips bytes and mime types exactly', async () => {
    const service = s3.service();
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const cases = [
      bytesPart(all, 'application/octet-stream'),
      bytesPart(Buffer.alloc(0), 'audio/wav'),
      bytesPart('pcm', 'audio/pcm;rate=16000'),
      bytesPart('x', 'Audio/X-Custom; Foo="b a r"'),
      bytesPart('x', 'audio/x-ü'), // not a valid header value: kept in metadata
      bytesPart('x', ' padded/type '),
      bytesPart('looks like text', 'text/plain; charset=utf-8'), // stays inlineData
      { inlineData: { data: all.toString('base64'), mimeType: 'image/png', displayName: 'pic ü.png' } },
      { inlineData: { data: 'aGVsbG8', mimeType: 'a/b' } }, // unpadded
      { inlineData: { data: '-_-_', mimeType: 'a/b' } }, // URL alphabet
      { inlineData: { data: '-_8=', mimeType: 'a/b' } }, // URL alphabet, padded
      { text: '' },
      { text: 'héllo 🎤 \u0000 "quoted"\n' },
    ];
    for (const [i, artifact] of cases.entries()) {
      const req = { ...scope, filename: `f${i}` };
      await service.saveArtifact({ ...req, artifact });
      expect(await service.loadArtifact(req), `case ${i}`).toEqual(artifact);
    }
  });

  it('rejects base64 it could not return unchanged', async () => {
    const service = s3.service();
    await expect(
      service.saveArtifact({
        ...scope,
        filename: 'f',
        artifact: { inlineData: { data: 'ab$c', mimeType: 'a/b' } },
      }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await service.listVersions({ ...scope, filename: 'f' })).toEqual([]);
  });

  it('stores the mime type as Content-Type and text as UTF-8 text/plain', async () => {
    const prefix = `t-ct-${Date.now()}`;
    const service = s3.service({ prefix });
    await service.saveArtifact({ ...scope, filename: 'a.wav', artifact: bytesPart('RIFF', 'audio/wav') });
    await service.saveArtifact({ ...scope, filename: 'b.txt', artifact: { text: 'ü' } });
    const head = (Key: string) => s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
    expect((await head(`${prefix}/app/alice/s1/a.wav/0`)).ContentType).toBe('audio/wav');
    const text = await head(`${prefix}/app/alice/s1/b.txt/0`);
    expect(text.ContentType).toBe('text/plain; charset=utf-8');
    expect(text.ContentLength).toBe(2);
  });

  it("lists the session's own files and the user's user: files, sorted", async () => {
    const service = s3.service();
    const save = (sessionId: string, filename: string) =>
      service.saveArtifact({ ...scope, sessionId, filename, artifact: { text: filename } });
    await save('s1', 'b.txt');
    await save('s1', 'a/nested.wav');
    await save('s1', 'b.txt');
    await save('s2', 'other-session.txt');
    await save('s2', 'user:profile');
    await save('user', 'session-named-user.txt');
    expect(await service.listArtifactKeys(scope)).toEqual(['a/nested.wav', 'b.txt', 'user:profile']);
    expect(await service.listArtifactKeys({ ...scope, sessionId: 's2' })).toEqual([
      'other-session.txt',
      'user:profile',
    ]);
    expect(await service.listArtifactKeys({ ...scope, sessionId: 'user' })).toEqual([
      'session-named-user.txt',
      'user:profile',
    ]);
    expect(await service.loadArtifact({ ...scope, sessionId: 'any', filename: 'user:profile' })).toEqual({
      text: 'user:profile',
    });
  });

  it('deletes every version; deleting a missing artifact is a no-op; the next save is version 0', async () => {
    const service = s3.service();
    const req = { ...scope, filename: 'd' };
    for (let i = 0; i < 3; i++) await service.saveArtifact({ ...req, artifact: { text: `${i}` } });
    await service.deleteArtifact(req);
    expect(await service.listVersions(req)).toEqual([]);
    expect(await service.loadArtifact(req)).toBeUndefined();
    expect(await service.listArtifactKeys(scope)).toEqual([]);
    await service.deleteArtifact(req);
    await service.deleteArtifact({ ...req, filename: 'never-saved' });
    expect(await service.saveArtifact({ ...req, artifact: { text: 'again' } })).toBe(0);
  });

  it('deleting one artifact leaves its neighbours, including nested names', async () => {
    const service = s3.service();
    for (const filename of ['a', 'a/b', 'a/b/c', 'ab']) {
      await service.saveArtifact({ ...scope, filename, artifact: { text: filename } });
    }
    await service.deleteArtifact({ ...scope, filename: 'a' });
    expect(await service.listArtifactKeys(scope)).toEqual(['a/b', 'a/b/c', 'ab']);
    expect(await service.listVersions({ ...scope, filename: 'a/b' })).toEqual([0]);
  });

  it('ignores foreign keys under the prefix', async () => {
    const prefix = `t-foreign-${Date.now()}`;
    const service = s3.service({ prefix });
    await service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'mine' } });
    const junk = [
      'app/alice/s1/f/notaversion',
      'app/alice/s1/f/007',
      'app/alice/s1/f/1/extra',
      'app/alice/s1/f',
      'app/alice/s1/junk',
      'app/alice/s1/a/b/0',
      'app/alice/s1/a%2fb/0',
      'app/alice/s1/user%3Asneaky/0',
      'app/alice/!user/not-user-scoped/0',
    ];
    for (const key of junk) {
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${key}`, Body: 'x' }));
    }
    expect(await service.listArtifactKeys(scope)).toEqual(['f']);
    expect(await service.listVersions({ ...scope, filename: 'f' })).toEqual([0]);
    expect(await service.loadArtifact({ ...scope, filename: 'f' })).toEqual({ text: 'mine' });
    await service.deleteArtifact({ ...scope, filename: 'f' });
    expect(await service.listArtifactKeys(scope)).toEqual([]);
  });

  it('loads an object another tool wrote as inlineData with its Content-Type', async () => {
    const prefix = `t-tool-${Date.now()}`;
    const service = s3.service({ prefix });
    await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${prefix}/app/alice/s1/x.bin/0`,
        Body: 'raw',
        ContentType: 'a/b',
      }),
    );
    expect(await service.loadArtifact({ ...scope, filename: 'x.bin' })).toEqual(bytesPart('raw', 'a/b'));
    // Without our metadata its version still describes itself: type, length, store time, no custom metadata.
    const [info] = await service.listArtifactVersions({ ...scope, filename: 'x.bin' });
    expect(info).toMatchObject({ version: 0, mimeType: 'a/b', sizeBytes: 3, customMetadata: {} });
    expect(Math.abs((info?.createTime ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('rejects custom metadata that would push the object metadata past S3’s 2 KB, writing nothing', async () => {
    const service = s3.service();
    const req = { ...scope, filename: 'm.bin' };
    const artifact = {
      inlineData: { data: '', mimeType: `a/${'\u00e9'.repeat(150)}`, displayName: 'n'.repeat(120) },
    };
    const customMetadata = { note: 'x'.repeat(1000) };
    const error = await service.saveArtifact({ ...req, artifact, customMetadata }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).message).toMatch(/2 KB/);
    expect((error as InvalidArgumentError).field).toBe('customMetadata');
    expect(await service.listVersions(req)).toEqual([]);
    // Each alone fits.
    expect(await service.saveArtifact({ ...req, artifact: { text: 'x' }, customMetadata })).toBe(0);
  });

  it('rejects invalid requests with InvalidArgumentError before touching storage', async () => {
    const service = s3.service();
    const bad = [
      { ...scope, filename: '../x' },
      { ...scope, filename: '/abs' },
      { ...scope, filename: 'a//b' },
      { ...scope, filename: '' },
      { ...scope, filename: 'user:' },
      { ...scope, filename: 'f', sessionId: '' },
      { ...scope, filename: 'f', userId: 'a\nb' },
    ];
    for (const req of bad) {
      await expect(service.saveArtifact({ ...req, artifact: { text: 'x' } })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      await expect(service.loadArtifact(req)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(service.listVersions(req)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(service.deleteArtifact(req)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(service.loadArtifact({ ...scope, filename: 'f', version: -1 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(service.loadArtifact({ ...scope, filename: 'f', version: 1.5 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      service.saveArtifact({ ...scope, filename: 'f', artifact: {} as { text: string } }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('rejects a save whose object key would pass 1024 bytes; reads of such a name find nothing', async () => {
    const service = s3.service();
    const req = { ...scope, filename: 'ü'.repeat(250) }; // 500 bytes, 1500 once percent-encoded
    await expect(service.saveArtifact({ ...req, artifact: { text: 'x' } })).rejects.toThrow(/1024/);
    expect(await service.loadArtifact(req)).toBeUndefined();
    expect(await service.listVersions(req)).toEqual([]);
    await service.deleteArtifact(req);
  });

  it('checks its options; createS3ArtifactService is the same as new', async () => {
    const bad = [
      { bucket: '' },
      { bucket: 'b', multipartPartSizeBytes: 1024 },
      { bucket: 'b', maxSaveAttempts: 0 },
      { bucket: 'b', prefix: 'a\nb' },
      { bucket: 'b', conditionalWrites: 'maybe' as 'probe' },
    ];
    for (const options of bad) {
      expect(() => new S3ArtifactService({ ...options, client: s3.client })).toThrow(InvalidArgumentError);
    }
    const service = createS3ArtifactService({
      bucket: BUCKET,
      client: s3.client,
      prefix: `t-factory-${Date.now()}`,
    });
    expect(service).toBeInstanceOf(S3ArtifactService);
    expect(await service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'x' } })).toBe(0);
  });
});
