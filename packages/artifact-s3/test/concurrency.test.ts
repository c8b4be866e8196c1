import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { type ArtifactService, ConcurrencyError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { S3ArtifactService } from '../src/index.js';
import { scope } from './helpers/fixture.js';
import { BUCKET, useRgw } from './helpers/rgw.js';
import { count412s, isProbeRequest } from './helpers/s3-requests.js';

// A real Ceph RGW, no conditional-write emulation: every 412 below is the store's own.
const rgw = useRgw();
const client = (): S3Client => rgw.newClient();

/**
 * Holds the first `count` PutObject calls (not the probe's) until all have arrived, so every writer
 * writes for the same first version at once: the worst-case race, every run.
 */
function holdFirstPuts(c: S3Client, count: number): void {
  let arrived = 0;
  let open: () => void = () => {};
  const allThere = new Promise<void>((resolve) => (open = resolve));
  c.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand' && !isProbeRequest(args.input) && arrived < count) {
        arrived++;
        if (arrived === count) open();
        await Promise.race([allThere, new Promise((r) => setTimeout(r, 10_000))]);
      }
      return next(args);
    },
    { step: 'initialize', name: 'holdFirstPuts' },
  );
}

/** What went wrong in a race of writers that each saved their own payload: [] when nothing. */
async function raceProblems(
  service: ArtifactService,
  filename: string,
  versions: number[],
): Promise<string[]> {
  const problems: string[] = [];
  const req = { ...scope, filename };
  const counts = new Map<number, number>();
  for (const v of versions) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const [v, n] of counts) if (n > 1) problems.push(`version ${v} was returned to ${n} writers`);
  const stored = await service.listVersions(req);
  const expected = versions.map((_, i) => i);
  if (JSON.stringify(stored) !== JSON.stringify(expected)) {
    problems.push(`stored versions ${JSON.stringify(stored)}, expected 0..${versions.length - 1}`);
  }
  for (const [writer, v] of versions.entries()) {
    const part = await service.loadArtifact({ ...req, version: v });
    if (part?.text !== `writer ${writer}`) problems.push(`writer ${writer}'s save (version ${v}) was lost`);
  }
  return problems;
}

async function race(service: ArtifactService, filename: string, writers: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: writers }, (_, i) =>
      service.saveArtifact({ ...scope, filename, artifact: { text: `writer ${i}` } }),
    ),
  );
}

describe('concurrent saves of one filename', () => {
  it('20 writers held until all race for the first version get versions 0–19, none lost', async () => {
    const c = client();
    holdFirstPuts(c, 20);
    const refused = count412s(c);
    const service = new S3ArtifactService({ bucket: BUCKET, client: c, prefix: `race-${randomUUID()}` });
    const versions = await race(service, 'take.wav', 20);
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await raceProblems(service, 'take.wav', versions)).toEqual([]);
    expect(refused.count).toBeGreaterThanOrEqual(19); // RGW itself refused the taken versions
  });

  it('dozens of writers (60, unsynchronized) all succeed', async () => {
    const service = new S3ArtifactService({
      bucket: BUCKET,
      client: client(),
      prefix: `race-${randomUUID()}`,
    });
    const versions = await race(service, 'user:busy.txt', 60);
    expect(await raceProblems(service, 'user:busy.txt', versions)).toEqual([]);
  });

  it('throws a ConcurrencyError once the bounded attempts are used up', async () => {
    const c = client();
    holdFirstPuts(c, 5);
    const service = new S3ArtifactService({
      bucket: BUCKET,
      client: c,
      prefix: `race-${randomUUID()}`,
      maxSaveAttempts: 1,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'x' } }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([0]);
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(errors).toHaveLength(4);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ code: 'CONCURRENCY' });
      expect(String(error.message)).toMatch(/gave up after 1 create-only attempts/);
    }
    expect(await service.listVersions({ ...scope, filename: 'f' })).toEqual([0]);
  });

  it('a write whose response was lost and whose SDK retry then got 412 counts as the save, not as a rival', async () => {
    const c = client();
    let dropped = false;
    c.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutObjectCommand' && !isProbeRequest(args.input) && !dropped) {
          dropped = true; // the object is stored, but the client never hears so
          throw Object.assign(new Error('response lost'), { name: 'TimeoutError' });
        }
        return result;
      },
      { step: 'deserialize', name: 'loseFirstPutResponse' },
    );
    const service = new S3ArtifactService({ bucket: BUCKET, client: c, prefix: `race-${randomUUID()}` });
    expect(await service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'once' } })).toBe(0);
    expect(dropped).toBe(true);
    expect(await service.listVersions({ ...scope, filename: 'f' })).toEqual([0]);
  });

  it('a 409 ConditionalRequestConflict (a rival write still in flight) retries the same version, not the next', async () => {
    const c = client();
    let conflicts = 0;
    c.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand' && !isProbeRequest(args.input) && conflicts < 2) {
          conflicts++;
          throw Object.assign(new Error('A conflicting conditional operation is in progress'), {
            name: 'ConditionalRequestConflict',
            $metadata: { httpStatusCode: 409, attempts: 1 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'conflictTwice' },
    );
    const service = new S3ArtifactService({ bucket: BUCKET, client: c, prefix: `race-${randomUUID()}` });
    expect(await service.saveArtifact({ ...scope, filename: 'f', artifact: { text: 'x' } })).toBe(0);
    expect(conflicts).toBe(2);
    expect(await service.listVersions({ ...scope, filename: 'f' })).toEqual([0]);
  });
});
