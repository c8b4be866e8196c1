import {
  type ArtifactVersion,
  decodeArtifactKeysPageToken,
  encodeArtifactKeysPageToken,
  InvalidArgumentError,
  type ValidPageRequest,
} from '@earshot/core';
import { afterFilename, decodeSegment, encodeSegment, parseFilename } from './object-keys.js';
import { decodeVersionInfo } from './part-codec.js';
import type { S3Objects, StoredVersion } from './s3-objects.js';

/** The two places a session's filenames live: its own scope, then the user's `user:` scope. */
export interface KeyScope {
  prefix: string;
  userScope: boolean;
}

// HEAD requests in flight at once for `listArtifactVersions`.
const HEAD_CONCURRENCY = 8;

/**
 * One page of filenames in storage order: the session's own files (in the order of their
 * encoded keys), then the user's `user:` files. A page reads only the keys of the names it
 * returns plus the first key of the next name (which tells that more follow), so paging
 * through n files costs O(n) keys in all, never a full listing per page.
 */
export async function pageFilenames(
  objects: S3Objects,
  scopes: readonly KeyScope[],
  page: ValidPageRequest,
): Promise<{ keys: string[]; nextPageToken?: string }> {
  const cursor = page.pageToken === undefined ? { index: 0, after: undefined } : decodeCursor(page.pageToken);
  const keys: string[] = [];
  let lastIndex = cursor.index; // the scope the last name came from
  for (let index = cursor.index; index < scopes.length; index++) {
    const scope = scopes[index] as KeyScope;
    let startAfter =
      index === cursor.index && cursor.after !== undefined
        ? afterFilename(scope.prefix, cursor.after)
        : undefined;
    let token: string | undefined;
    do {
      const listed = await objects.listPage({ prefix: scope.prefix, startAfter, token });
      for (const { key } of listed.objects) {
        const name = parseFilename(scope.prefix, key, scope.userScope);
        // A filename's keys are contiguous in the listing, so a repeat is always the last name.
        if (name === undefined || name === keys.at(-1)) continue;
        if (keys.length === page.pageSize) {
          const last = keys.at(-1) as string;
          return { keys, nextPageToken: encodeArtifactKeysPageToken([lastIndex, encodeSegment(last)]) };
        }
        keys.push(name);
        lastIndex = index;
      }
      token = listed.nextToken;
      startAfter = undefined;
    } while (token !== undefined);
  }
  return { keys };
}

function decodeCursor(token: string): { index: number; after: string } {
  const [index, after, ...rest] = decodeArtifactKeysPageToken(token);
  if (
    (index !== 0 && index !== 1) ||
    typeof after !== 'string' ||
    decodeSegment(after) === undefined ||
    rest.length > 0
  ) {
    throw new InvalidArgumentError('pageToken is damaged', { field: 'pageToken' });
  }
  return { index, after };
}

/**
 * The metadata of each listed version: one HEAD per version (the listing carries no user
 * metadata), `HEAD_CONCURRENCY` at a time, in the given order. A version deleted meanwhile
 * is left out.
 */
export async function describeVersions(
  objects: S3Objects,
  versions: readonly StoredVersion[],
): Promise<ArtifactVersion[]> {
  const out: (ArtifactVersion | undefined)[] = new Array(versions.length);
  let next = 0;
  const worker = async () => {
    while (next < versions.length) {
      const i = next++;
      const stored = versions[i] as StoredVersion;
      const head = await objects.head(stored.key);
      out[i] = head && decodeVersionInfo({ version: stored.version, ...head });
    }
  };
  await Promise.all(Array.from({ length: Math.min(HEAD_CONCURRENCY, versions.length) }, worker));
  return out.filter((v): v is ArtifactVersion => v !== undefined);
}
