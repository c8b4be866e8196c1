import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { artifactPrefix, versionKey } from '../src/object-keys.js';
import { scope } from './helpers/fixture.js';
import { BUCKET, useRgw } from './helpers/rgw.js';

const s3 = useRgw();

/** Runs `task(i)` for i in [0, count) with at most `width` in flight. */
async function pool(count: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

describe('listings past one page (1,000 keys)', () => {
  it('lists 1,100 artifacts of a session, sorted, and deletes one of them', async () => {
    const service = s3.service();
    const names = Array.from({ length: 1100 }, (_, i) => `rec/${String(i).padStart(4, '0')}.wav`);
    await pool(names.length, 8, (i) =>
      service.saveArtifact({ ...scope, filename: names[i] ?? '', artifact: { text: `${i}` } }),
    );
    // a few user-scoped ones and another session's, to check the merge
    await service.saveArtifact({ ...scope, filename: 'user:z', artifact: { text: 'z' } });
    await service.saveArtifact({ ...scope, sessionId: 's2', filename: 'elsewhere', artifact: { text: 'e' } });
    const keys = await service.listArtifactKeys(scope);
    expect(keys).toHaveLength(1101);
    expect(keys).toEqual([...names, 'user:z'].sort());
    await service.deleteArtifact({ ...scope, filename: 'rec/0500.wav' });
    expect(await service.listArtifactKeys(scope)).toHaveLength(1100);
  });

  it('lists 1,100 versions of one artifact numerically, loads the latest, deletes them all in batches', async () => {
    const prefix = `t-versions-${Date.now()}`;
    const service = s3.service({ prefix });
    const req = { ...scope, filename: 'many.txt' };
    const artifact = artifactPrefix({ prefix: `${prefix}/`, ...req });
    // Seed the objects directly (as 1,100 saves would, minus 1,100 listings).
    await pool(1100, 8, (v) =>
      s3.client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: versionKey(artifact, v),
          Body: `v${v}`,
          ContentType: 'text/plain; charset=utf-8',
          Metadata: { 'earshot-part': 'text' },
        }),
      ),
    );
    const versions = await service.listVersions(req);
    expect(versions).toEqual(Array.from({ length: 1100 }, (_, i) => i));
    expect(await service.loadArtifact(req)).toEqual({ text: 'v1099' });
    expect(await service.saveArtifact({ ...req, artifact: { text: 'next' } })).toBe(1100);
    await service.deleteArtifact(req); // 1,101 keys: two DeleteObjects batches
    expect(await service.listVersions(req)).toEqual([]);
    expect(await service.saveArtifact({ ...req, artifact: { text: 'fresh' } })).toBe(0);
  });
});
