import type { Part } from '@google/genai';
import { InvalidArgumentError } from '../errors.js';
import { isUserScopedFilename, validateNonNegativeInteger } from '../validation.js';
import { ArtifactByteStore, type StoredBytes } from './artifact-byte-store.js';
import {
  decodeArtifactKeysPageToken,
  decodeVersionsPageToken,
  describeArtifactPart,
  encodeArtifactKeysPageToken,
  encodeVersionsPageToken,
} from './artifact-listing.js';
import type {
  ArtifactRequest,
  ArtifactScope,
  ArtifactService,
  ArtifactVersion,
  ListArtifactKeysPage,
  ListArtifactVersionsPage,
  ListVersionsPage,
  LoadArtifactRequest,
  SaveArtifactRequest,
} from './artifact-service.js';
import { copyValue } from './copy-value.js';
import { getOrCreate } from './get-or-create.js';
import { type PageRequest, validatePageRequest } from './paging.js';
import {
  validateArtifactRequest,
  validateArtifactScope,
  validateSaveArtifactRequest,
} from './request-validation.js';

interface StoredVersion {
  /** The part as saved, except that its `inlineData.data` is '' while `bytes` holds it. */
  part: Part;
  /** Large base64 data as its bytes, off the JS heap (see `ArtifactByteStore`). */
  bytes: StoredBytes | undefined;
  info: ArtifactVersion;
}

type Files = Map<string, StoredVersion[]>;

/**
 * Artifacts in process memory: the embedded default and the reference semantics every other
 * backend matches. User-scoped (`user:`) files live in their own map, apart from every
 * session, so no session id can reach them. Keys page in sorted order (sorting on each call:
 * O(n log n) per page, fine for an embedded store). Base64 data of 4 KiB to 1 MiB is kept as
 * its bytes, off the JS heap, and encoded again on load (only when that gives the same text).
 */
export class InMemoryArtifactService implements ArtifactService {
  /** app → user → session → filename → versions */
  private readonly sessionFiles = new Map<string, Map<string, Map<string, Files>>>();
  /** app → user → filename → versions */
  private readonly userFiles = new Map<string, Map<string, Files>>();
  // An ES private field: subclasses (test doubles count bytes, say) may have their own `bytes`.
  readonly #payloads = new ArtifactByteStore();

  async saveArtifact(request: SaveArtifactRequest): Promise<number> {
    const { artifact, customMetadata = {}, ...req } = validateSaveArtifactRequest(request);
    const files = this.filesFor(req, req.filename, true);
    const versions = getOrCreate(files, req.filename, (): StoredVersion[] => []);
    const version = versions.length;
    const part = copyValue(artifact);
    // Recordings are saved every few seconds per session: as strings they would be copied by
    // every young-generation GC they survive and marked by every full one.
    const bytes = part.inlineData?.data === undefined ? undefined : this.#payloads.put(part.inlineData.data);
    if (bytes !== undefined && part.inlineData) part.inlineData.data = '';
    versions.push({
      part,
      bytes,
      info: { version, ...describeArtifactPart(artifact), createTime: Date.now(), customMetadata },
    });
    return version;
  }

  async loadArtifact(request: LoadArtifactRequest): Promise<Part | undefined> {
    const req = validateArtifactRequest(request);
    const version = validateNonNegativeInteger('version', request.version);
    const versions = this.filesFor(req, req.filename, false)?.get(req.filename);
    if (!versions || versions.length === 0) return undefined;
    const stored = versions[version ?? versions.length - 1];
    if (stored === undefined) return undefined;
    const part = copyValue(stored.part);
    if (stored.bytes !== undefined && part.inlineData)
      part.inlineData.data = this.#payloads.read(stored.bytes);
    return part;
  }

  listArtifactKeys(request: ArtifactScope): Promise<string[]>;
  listArtifactKeys(request: ArtifactScope, page: PageRequest): Promise<ListArtifactKeysPage>;
  async listArtifactKeys(
    request: ArtifactScope,
    page?: PageRequest,
  ): Promise<string[] | ListArtifactKeysPage> {
    const { appName, userId, sessionId } = validateArtifactScope(request);
    const paging = validatePageRequest(page);
    const own = this.sessionFiles.get(appName)?.get(userId)?.get(sessionId)?.keys() ?? [];
    const shared = this.userFiles.get(appName)?.get(userId)?.keys() ?? [];
    const keys = [...own, ...shared].sort();
    if (page === undefined) return keys;
    if (paging === undefined) return { keys };
    let from = 0;
    if (paging.pageToken !== undefined) {
      const [after, ...rest] = decodeArtifactKeysPageToken(paging.pageToken);
      if (typeof after !== 'string' || rest.length > 0) {
        throw new InvalidArgumentError('pageToken is damaged', { field: 'pageToken' });
      }
      while (from < keys.length && compareSorted(keys[from] as string, after) <= 0) from++;
    }
    const picked = keys.slice(from, from + paging.pageSize);
    const last = picked.at(-1);
    const more = from + picked.length < keys.length;
    return {
      keys: picked,
      ...(more && last !== undefined ? { nextPageToken: encodeArtifactKeysPageToken([last]) } : {}),
    };
  }

  async deleteArtifact(request: ArtifactRequest): Promise<void> {
    const req = validateArtifactRequest(request);
    const files = this.filesFor(req, req.filename, false);
    for (const stored of files?.get(req.filename) ?? []) if (stored.bytes) this.#payloads.free(stored.bytes);
    files?.delete(req.filename);
  }

  listVersions(request: ArtifactRequest): Promise<number[]>;
  listVersions(request: ArtifactRequest, page: PageRequest): Promise<ListVersionsPage>;
  async listVersions(request: ArtifactRequest, page?: PageRequest): Promise<number[] | ListVersionsPage> {
    if (page === undefined) return (await this.listArtifactVersions(request)).map((v) => v.version);
    const { versions, nextPageToken } = await this.listArtifactVersions(request, page);
    return { versions: versions.map((v) => v.version), ...(nextPageToken ? { nextPageToken } : {}) };
  }

  listArtifactVersions(request: ArtifactRequest): Promise<ArtifactVersion[]>;
  listArtifactVersions(request: ArtifactRequest, page: PageRequest): Promise<ListArtifactVersionsPage>;
  async listArtifactVersions(
    request: ArtifactRequest,
    page?: PageRequest,
  ): Promise<ArtifactVersion[] | ListArtifactVersionsPage> {
    const req = validateArtifactRequest(request);
    const paging = validatePageRequest(page);
    const stored = this.filesFor(req, req.filename, false)?.get(req.filename) ?? [];
    const copy = ({ info }: StoredVersion) => structuredClone(info);
    if (page === undefined) return stored.map(copy);
    if (paging === undefined) return { versions: stored.map(copy) };
    const from = paging.pageToken === undefined ? 0 : decodeVersionsPageToken(paging.pageToken) + 1;
    const picked = stored.slice(from, from + paging.pageSize);
    const more = from + picked.length < stored.length;
    return {
      versions: picked.map(copy),
      ...(more ? { nextPageToken: encodeVersionsPageToken(from + picked.length - 1) } : {}),
    };
  }

  private filesFor(scope: ArtifactScope, filename: string, create: true): Files;
  private filesFor(scope: ArtifactScope, filename: string, create: false): Files | undefined;
  private filesFor({ appName, userId, sessionId }: ArtifactScope, filename: string, create: boolean) {
    const newMap = () => new Map();
    if (isUserScopedFilename(filename)) {
      if (!create) return this.userFiles.get(appName)?.get(userId);
      return getOrCreate(getOrCreate(this.userFiles, appName, newMap), userId, newMap);
    }
    if (!create) return this.sessionFiles.get(appName)?.get(userId)?.get(sessionId);
    const users = getOrCreate(this.sessionFiles, appName, newMap);
    return getOrCreate(getOrCreate(users, userId, newMap), sessionId, newMap);
  }
}

/** The order of `Array.prototype.sort()` (UTF-16 code units), which the unpaged listing uses. */
function compareSorted(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
