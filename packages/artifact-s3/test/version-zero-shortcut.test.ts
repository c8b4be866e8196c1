import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { StorageError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { artifactPrefix, versionKey } from '../src/object-keys.js';
import { encodePart } from '../src/part-codec.js';
import { S3Objects } from '../src/s3-objects.js';
import { saveVersion, type VersionZeroShortcut } from '../src/save-version.js';
import { StoreTraits } from '../src/store-traits.js';
import { scope, useS3rver } from './helpers/fixture.js';
import { BUCKET, useRgw } from './helpers/rgw.js';

// Ceph RGW enforces If-None-Match on PutObject; plain s3rver stands in for a store that ignores
// it (a fault RGW cannot produce).
const rgw = useRgw();
const s3rver = useS3rver();

function objectsOn(store: 'rgw' | 's3rver', lifecycle?: () => Promise<unknown>): S3Objects {
  const client = store === 'rgw' ? rgw.newClient() : s3rver.client;
  if (lifecycle) {
    client.middlewareStack.add(
      (next, context) => async (args) =>
        context.commandName === 'GetBucketLifecycleConfigurationCommand'
          ? ({ output: await lifecycle(), response: {} } as Awaited<ReturnType<typeof next>>)
          : next(args),
      { step: 'initialize', name: 'fakeLifecycle' },
    );
  }
  return new S3Objects({ client, bucket: BUCKET, multipartThreshold: 16 << 20, partSize: 8 << 20 });
}

const expiring = async () => ({
  Rules: [{ ID: 'x', Status: 'Enabled', Expiration: { Days: 30 }, Filter: {} }],
});

async function settledShortcut(traits: StoreTraits): Promise<VersionZeroShortcut> {
  expect(traits.shortcut()).toBe('off'); // lists first until the probes have answered
  await traits.settled();
  return traits.shortcut();
}

describe('store traits pick the version-0 shortcut', () => {
  const traitsFor = (objects: S3Objects, assumeCreateOnly = false, prefix = 'p/') =>
    new StoreTraits({ objects, prefix, assumeCreateOnly, probeKey: () => `${prefix}!probe/${randomUUID()}` });

  it('never on a store that ignores If-None-Match (plain s3rver): the write could overwrite', async () => {
    expect(await settledShortcut(traitsFor(objectsOn('s3rver')))).toBe('off');
  });

  it('unchecked where create-only holds and nothing expires (RGW without lifecycle rules)', async () => {
    expect(await settledShortcut(traitsFor(objectsOn('rgw')))).toBe('unchecked');
    expect(await settledShortcut(traitsFor(objectsOn('s3rver'), true))).toBe('unchecked');
  });

  it('checked where a lifecycle rule may expire old versions, or when that cannot be read', async () => {
    expect(await settledShortcut(traitsFor(objectsOn('rgw', expiring)))).toBe('checked');
    const denied = async () => {
      throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
    };
    expect(await settledShortcut(traitsFor(objectsOn('rgw', denied)))).toBe('checked');
    const elsewhere = async () => ({
      Rules: [{ ID: 'y', Status: 'Enabled', Expiration: { Days: 1 }, Filter: { Prefix: 'logs/' } }],
    });
    expect(await settledShortcut(traitsFor(objectsOn('rgw', elsewhere), false, 'artifacts/'))).toBe(
      'unchecked',
    );
  });
});

describe('the version-0 shortcut', () => {
  const text = (t: string) => encodePart({ part: { text: t }, saveId: randomUUID() });

  it('checked: when version 0 had expired while 1 and 2 remain, the save takes it back and becomes 3', async () => {
    const objects = objectsOn('rgw');
    const raw = rgw.client;
    const artifact = artifactPrefix({ prefix: `gap-${randomUUID()}/`, ...scope, filename: 'profile.json' });
    for (const v of [1, 2]) {
      await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: versionKey(artifact, v), Body: `v${v}` }));
    }
    await new Promise((r) => setTimeout(r, 1_100)); // S3 times are whole seconds: ours is newer
    expect(
      await saveVersion({
        objects,
        artifact,
        encoded: await text('new'),
        shortcut: 'checked',
        maxAttempts: 5,
      }),
    ).toBe(3);
    expect((await objects.listVersions(artifact)).map((v) => v.version)).toEqual([1, 2, 3]);
  });

  for (const shortcut of ['checked', 'unchecked'] as const) {
    it(`${shortcut}: racing first saves of a new filename still get 0..n-1 (rivals are never taken for a gap)`, async () => {
      const objects = objectsOn('rgw');
      for (let round = 0; round < 5; round++) {
        const artifact = artifactPrefix({ prefix: `race-${randomUUID()}/`, ...scope, filename: 'f' });
        const versions = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            text(`w${i}`).then((encoded) =>
              saveVersion({ objects, artifact, encoded, shortcut, maxAttempts: 50 }),
            ),
          ),
        );
        expect([...versions].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        expect((await objects.listVersions(artifact)).map((v) => v.version)).toEqual([
          0, 1, 2, 3, 4, 5, 6, 7,
        ]);
      }
    });
  }
});

describe('a store that ignores If-None-Match on PutObject (plain s3rver)', () => {
  it('saveArtifact refuses with a StorageError that says why, and writes nothing', async () => {
    const service = s3rver.service();
    const error = await service
      .saveArtifact({ ...scope, filename: 'f', artifact: { text: 'x' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/does not honour If-None-Match: \* on PutObject/);
    expect(await service.listVersions({ ...scope, filename: 'f' })).toEqual([]);
    // It keeps refusing (the answer is remembered, not re-probed per save).
    await expect(service.saveArtifact({ ...scope, filename: 'g', artifact: { text: 'y' } })).rejects.toThrow(
      /does not honour/,
    );
  });

  it("conditionalWrites: 'assume' skips the probe (the caller vouches for the store)", async () => {
    const service = s3rver.service({ conditionalWrites: 'assume' });
    expect(await service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'x' } })).toBe(0);
  });
});
