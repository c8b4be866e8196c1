import { ConcurrencyError } from '@earshot/core';
import { versionKey } from './object-keys.js';
import type { EncodedPart } from './part-codec.js';
import { backoffMs, sleep } from './retry.js';
import type { PutOutcome, S3Objects, StoredVersion } from './s3-objects.js';

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function after(versions: readonly StoredVersion[]): number {
  const last = versions.at(-1);
  return last === undefined ? 0 : last.version + 1;
}

/**
 * How a save may try version 0 before knowing what is stored (one round trip for the common
 * case: a recording saved once). `'off'`: list first. `'checked'`: write version 0 while a
 * listing is out, and take it back if older versions above 0 turn up (version 0 expired or was
 * removed out of band, so 0 would not be the latest). `'unchecked'`: just write version 0,
 * for stores where nothing removes single versions behind the service's back.
 */
export type VersionZeroShortcut = 'off' | 'checked' | 'unchecked';

/**
 * Stores `encoded` as the next version of `artifact` and returns its number.
 *
 * Every write is one create-only PutObject (the only conditional write the service relies
 * on), so a version is never shared or overwritten; losing a race (412) means "that number is
 * taken", so the next try uses the one after it (no gaps).
 */
export async function saveVersion({
  objects,
  artifact,
  encoded,
  shortcut,
  maxAttempts,
}: {
  objects: S3Objects;
  artifact: string;
  encoded: EncodedPart;
  shortcut: VersionZeroShortcut;
  maxAttempts: number;
}): Promise<number> {
  let candidate: number;
  let outcome: PutOutcome;
  // `encoded` is always one small-enough PutObject: the body itself or a pointer to a body
  // already uploaded, so a refused try costs one request, never a re-upload.
  if (shortcut !== 'off') {
    const listing = shortcut === 'checked' ? settle(objects.listVersions(artifact)) : undefined;
    outcome = await objects.putCreateOnly(versionKey(artifact, 0), encoded);
    const listed = listing ? await listing : undefined;
    if (outcome === 'created') {
      if (listed === undefined) return 0;
      const versions = listed.ok ? listed.value : await objects.listVersions(artifact).catch(() => []);
      const older = olderThanOurs(versions);
      if (older.length === 0) return 0;
      // Versions above 0 were there before ours (0 expired or was removed out of band), so 0
      // would not be the latest: take ours back and save after them.
      await objects.deleteKeys([versionKey(artifact, 0)], artifact);
      candidate = after(older);
    } else {
      const versions = listed?.ok ? listed.value : await objects.listVersions(artifact);
      candidate = outcome === 'taken' ? Math.max(1, after(versions)) : 0;
    }
  } else {
    candidate = after(await objects.listVersions(artifact));
    outcome = await objects.putCreateOnly(versionKey(artifact, candidate), encoded);
    if (outcome === 'created') return candidate;
    if (outcome === 'taken') candidate++;
  }
  for (let attempt = 2; ; attempt++) {
    if (attempt > maxAttempts) {
      throw new ConcurrencyError(
        `saveArtifact gave up after ${maxAttempts} create-only attempts on s3://${objects.bucket}/${artifact}: ` +
          'other writers kept taking the next version',
      );
    }
    await sleep(backoffMs(attempt - 1));
    // After a 412 `candidate` is already past the taken number (no gap). After a 409 a
    // rival's write to `candidate` is still in flight and may fail, so it may still be ours.
    candidate = Math.max(candidate, after(await objects.listVersions(artifact)));
    outcome = await objects.putCreateOnly(versionKey(artifact, candidate), encoded);
    if (outcome === 'created') return candidate;
    if (outcome === 'taken') candidate++;
  }
}

/**
 * The versions above 0 that provably existed before our version 0: all of them when the
 * listing ran before our write landed (0 absent), else those modified strictly earlier.
 * A rival's version written after ours is never among them, so it is never mistaken for a gap.
 */
function olderThanOurs(versions: readonly StoredVersion[]): StoredVersion[] {
  const ours = versions.find((v) => v.version === 0);
  const above = versions.filter((v) => v.version > 0);
  if (ours === undefined) return above;
  const oursAt = ours.lastModified?.getTime();
  if (oursAt === undefined) return [];
  return above.filter((v) => v.lastModified !== undefined && v.lastModified.getTime() < oursAt);
}
