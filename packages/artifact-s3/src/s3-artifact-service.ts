import { randomUUID } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  type ArtifactRequest,
  type ArtifactScope,
  type ArtifactService,
  type ArtifactVersion,
  decodeVersionsPageToken,
  encodeVersionsPageToken,
  InvalidArgumentError,
  type ListArtifactKeysPage,
  type ListArtifactVersionsPage,
  type ListVersionsPage,
  type LoadArtifactRequest,
  type PageRequest,
  type Part,
  type SaveArtifactRequest,
  validateArtifactRequest,
  validateArtifactScope,
  validateNonNegativeInteger,
  validatePageRequest,
  validateSaveArtifactRequest,
} from '@earshot/core';
import { BufferPool } from './buffer-pool.js';
import { buildClient } from './client.js';
import { describeVersions, type KeyScope, pageFilenames } from './listings.js';
import {
  artifactPrefix,
  assertFitsKeyLimit,
  bodyKey,
  fitsKeyLimit,
  isBodyKey,
  normalizePrefix,
  parseFilename,
  parseVersion,
  scopePrefixes,
  versionKey,
} from './object-keys.js';
import { decodePart, type EncodedPart, encodePart, META } from './part-codec.js';
import { S3Objects, type StoredVersion } from './s3-objects.js';
import { saveVersion } from './save-version.js';
import { StoreTraits } from './store-traits.js';
import { instrumentS3Service, type S3TelemetryOptions } from './telemetry.js';

const MiB = 1024 * 1024;

export interface S3ArtifactServiceOptions {
  bucket: string;
  /** A ready client; the service never closes it. */
  client?: S3Client;
  /** Used to build a client when `client` is not given (endpoint, region, credentials, forcePathStyle …). */
  clientConfig?: S3ClientConfig;
  /** Key prefix every object lives under, treated as a folder (`'a'` → `'a/'`). Default: none. */
  prefix?: string;
  /** Bodies larger than this go through a multipart upload. Default 16 MiB. */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (S3's minimum is 5 MiB). Default 8 MiB. */
  multipartPartSizeBytes?: number;
  /** Create-only write attempts of one save under contention before a ConcurrencyError. Default 50. */
  maxSaveAttempts?: number;
  /**
   * Whether the store honours `If-None-Match: *` on `PutObject`, the one condition version
   * allocation relies on. `'probe'` (default): the first save finds out with a probe object and
   * a store that ignores it is refused (`StorageError`). `'assume'`: trust it without a probe
   * (AWS S3, Ceph RGW, MinIO, R2, GCS XML API).
   */
  conditionalWrites?: 'probe' | 'assume';
  /** Spans and metrics through `@opentelemetry/api` (global providers unless given); `false`: none. */
  telemetry?: S3TelemetryOptions | false;
}

/**
 * `ArtifactService` on S3 (or any S3-compatible store that honours `If-None-Match: *` on
 * `PutObject`): every version is claimed by one create-only `PutObject` — the body itself, or
 * for a multipart body a pointer to the body's own object — so two writers can never share or
 * overwrite a version, at any size. See the package README for the layout and the guarantees.
 */
export class S3ArtifactService implements ArtifactService {
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly objects: S3Objects;
  private readonly prefix: string;
  private readonly maxSaveAttempts: number;
  private readonly traits: StoreTraits;
  private readonly pool: BufferPool;
  /** Artifacts this process has seen stored: their saves skip the version-0 shortcut. */
  private readonly seen = new RecentSet(4096);

  constructor(options: S3ArtifactServiceOptions) {
    if (typeof options?.bucket !== 'string' || options.bucket.length === 0) {
      throw new InvalidArgumentError('bucket must be a non-empty string', { field: 'bucket' });
    }
    this.prefix = normalizePrefix(options.prefix);
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? buildClient(options.clientConfig);
    const partSize = positiveInt('multipartPartSizeBytes', options.multipartPartSizeBytes, 8 * MiB);
    if (partSize < 5 * MiB) {
      throw new InvalidArgumentError('multipartPartSizeBytes must be at least 5 MiB (S3 minimum)', {
        field: 'multipartPartSizeBytes',
      });
    }
    const multipartThreshold = positiveInt(
      'multipartThresholdBytes',
      options.multipartThresholdBytes,
      16 * MiB,
    );
    this.objects = new S3Objects({
      client: this.client,
      bucket: options.bucket,
      multipartThreshold,
      partSize,
    });
    this.maxSaveAttempts = positiveInt('maxSaveAttempts', options.maxSaveAttempts, 50);
    const conditionalWrites = options.conditionalWrites ?? 'probe';
    if (conditionalWrites !== 'probe' && conditionalWrites !== 'assume') {
      throw new InvalidArgumentError("conditionalWrites must be 'probe' or 'assume'", {
        field: 'conditionalWrites',
      });
    }
    // Spare buffers only for single-PUT bodies of a MiB or more (smaller ones are cheap).
    this.pool = new BufferPool({ minBytes: MiB, maxBytes: multipartThreshold, maxSpares: 2 });
    this.traits = new StoreTraits({
      objects: this.objects,
      prefix: this.prefix,
      probeKey: () => this.probeKey(),
      assumeCreateOnly: conditionalWrites === 'assume',
    });
    instrumentS3Service(this, options.bucket, options.telemetry);
  }

  async saveArtifact(request: SaveArtifactRequest): Promise<number> {
    const { artifact, customMetadata, ...req } = validateSaveArtifactRequest(request);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    assertFitsKeyLimit(prefix);
    // Never rely on a condition the store ignores: the first save waits for the probe.
    await this.traits.requireCreateOnly();
    // The save id tells our own write apart from a rival's when an SDK retry meets a 412.
    const saveId = randomUUID();
    const encoded = await encodePart({
      part: artifact,
      saveId,
      createTime: Date.now(),
      ...(customMetadata ? { customMetadata } : {}),
      alloc: (size) => this.pool.acquire(size),
    });
    const multipart = this.objects.usesMultipart(encoded.body.byteLength);
    // A large body goes first to an object of its own; the version is then a small pointer,
    // claimed with the one conditional write every supported store honours (PutObject).
    const body = multipart ? bodyKey(prefix, saveId) : undefined;
    if (body !== undefined) await this.objects.uploadBody(body, encoded);
    let version: number;
    try {
      version = await saveVersion({
        objects: this.objects,
        artifact: prefix,
        encoded: body === undefined ? encoded : pointerTo(saveId, encoded),
        // An artifact this process has seen stored skips the version-0 shortcut: it would be refused.
        shortcut: this.seen.has(prefix) ? 'off' : this.traits.shortcut(),
        maxAttempts: this.maxSaveAttempts,
      });
    } catch (error) {
      // No version points at the body: remove it (a leftover is invisible; deleteArtifact sweeps it).
      if (body !== undefined) await this.objects.deleteKeys([body], body).catch(() => undefined);
      throw error;
    }
    this.seen.add(prefix);
    // Stored, so the store has read the whole body: the buffer may serve the next save.
    this.pool.release(encoded.body);
    return version;
  }

  async loadArtifact(request: LoadArtifactRequest): Promise<Part | undefined> {
    const req = validateArtifactRequest(request);
    const version = validateNonNegativeInteger('version', request.version);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    if (!fitsKeyLimit(prefix)) return undefined; // never storable, so never stored
    if (version !== undefined) return this.load(prefix, versionKey(prefix, version));
    // The latest version can be deleted between the listing and the read: look again.
    for (let i = 0; i < 3; i++) {
      const latest = (await this.objects.listVersions(prefix)).at(-1);
      if (latest === undefined) return undefined;
      const part = await this.load(prefix, latest.key);
      if (part !== undefined) return part;
    }
    return undefined;
  }

  listArtifactKeys(request: ArtifactScope): Promise<string[]>;
  listArtifactKeys(request: ArtifactScope, page: PageRequest): Promise<ListArtifactKeysPage>;
  async listArtifactKeys(
    request: ArtifactScope,
    page?: PageRequest,
  ): Promise<string[] | ListArtifactKeysPage> {
    const scope = validateArtifactScope(request);
    const paging = validatePageRequest(page);
    const prefixes = scopePrefixes({ prefix: this.prefix, ...scope });
    const scopes: KeyScope[] = [
      { prefix: prefixes.session, userScope: false },
      { prefix: prefixes.user, userScope: true },
    ];
    if (paging !== undefined) return pageFilenames(this.objects, scopes, paging);
    const listed = await Promise.all(scopes.map((s) => this.objects.listKeys(s.prefix)));
    const names = new Set<string>();
    for (const [i, keys] of listed.entries()) {
      const { prefix, userScope } = scopes[i] as KeyScope;
      for (const key of keys) {
        const name = parseFilename(prefix, key, userScope);
        if (name !== undefined) names.add(name);
      }
    }
    const sorted = [...names].sort();
    return page === undefined ? sorted : { keys: sorted };
  }

  async deleteArtifact(request: ArtifactRequest): Promise<void> {
    const req = validateArtifactRequest(request);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    if (!fitsKeyLimit(prefix)) return;
    this.seen.delete(prefix);
    const listed = await this.objects.listKeys(prefix);
    const versions: { version: number; key: string }[] = [];
    const bodies: string[] = [];
    for (const key of listed) {
      const version = parseVersion(prefix, key);
      if (version !== undefined) versions.push({ version, key });
      else if (isBodyKey(prefix, key)) bodies.push(key);
    }
    // Highest first and version 0 last, in a request of its own: if a batch fails, the
    // versions left still start at 0, so the next save still numbers after them. Bodies go
    // after the versions that point at them.
    const keys = versions.sort((a, b) => b.version - a.version).map((v) => v.key);
    await this.objects.deleteKeys(keys.slice(0, -1), prefix);
    await this.objects.deleteKeys(keys.slice(-1), prefix);
    await this.objects.deleteKeys(bodies, prefix);
  }

  listVersions(request: ArtifactRequest): Promise<number[]>;
  listVersions(request: ArtifactRequest, page: PageRequest): Promise<ListVersionsPage>;
  async listVersions(request: ArtifactRequest, page?: PageRequest): Promise<number[] | ListVersionsPage> {
    const { versions, nextPageToken } = await this.versionsPage(request, page);
    const numbers = versions.map((v) => v.version);
    if (page === undefined) return numbers;
    return { versions: numbers, ...(nextPageToken ? { nextPageToken } : {}) };
  }

  listArtifactVersions(request: ArtifactRequest): Promise<ArtifactVersion[]>;
  listArtifactVersions(request: ArtifactRequest, page: PageRequest): Promise<ListArtifactVersionsPage>;
  async listArtifactVersions(
    request: ArtifactRequest,
    page?: PageRequest,
  ): Promise<ArtifactVersion[] | ListArtifactVersionsPage> {
    const { versions, nextPageToken } = await this.versionsPage(request, page);
    const described = await describeVersions(this.objects, versions);
    if (page === undefined) return described;
    return { versions: described, ...(nextPageToken ? { nextPageToken } : {}) };
  }

  /**
   * The stored versions of one page, ascending. Keys list in string order (`10` before `2`),
   * so a page lists every version of the artifact (1 request per 1,000) and slices it.
   */
  private async versionsPage(
    request: ArtifactRequest,
    page: PageRequest | undefined,
  ): Promise<{ versions: StoredVersion[]; nextPageToken?: string }> {
    const req = validateArtifactRequest(request);
    const paging = validatePageRequest(page);
    const after = paging?.pageToken === undefined ? -1 : decodeVersionsPageToken(paging.pageToken);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    if (!fitsKeyLimit(prefix)) return { versions: [] };
    const all = await this.objects.listVersions(prefix);
    if (paging === undefined) return { versions: all };
    const from = all.findIndex((v) => v.version > after);
    const picked = from < 0 ? [] : all.slice(from, from + paging.pageSize);
    const last = picked.at(-1);
    const more = last !== undefined && all.at(-1) !== last;
    return { versions: picked, ...(more ? { nextPageToken: encodeVersionsPageToken(last.version) } : {}) };
  }

  /** Outside every app's keys: the layout never emits "!" in an encoded id. */
  private probeKey(): string {
    return `${this.prefix}!probe/${randomUUID()}`;
  }

  /** Releases the sockets of a client the service built itself (a passed client is the caller's). */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  /** A version's part; a pointer version's body comes from its body object. */
  private async load(prefix: string, key: string): Promise<Part | undefined> {
    const object = await this.objects.get(key);
    if (object === undefined) return undefined;
    const bodyId = object.metadata?.[META.body];
    if (bodyId === undefined) return decodePart(object);
    const body = await this.objects.get(bodyKey(prefix, bodyId));
    // Gone only if the artifact is being deleted: the version goes with it.
    return body === undefined ? undefined : decodePart({ ...object, body: body.body });
  }
}

/** The small object that claims a version for a body stored under `bodyKey(…, saveId)`. */
function pointerTo(saveId: string, encoded: EncodedPart): EncodedPart {
  return {
    body: Buffer.alloc(0),
    contentType: encoded.contentType,
    metadata: { ...encoded.metadata, [META.body]: saveId, [META.size]: String(encoded.body.byteLength) },
  };
}

/** Same as `new S3ArtifactService(options)`. */
export function createS3ArtifactService(options: S3ArtifactServiceOptions): S3ArtifactService {
  return new S3ArtifactService(options);
}

function positiveInt(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${field} must be a positive integer`, { field });
  }
  return value;
}

/** A bounded set that forgets its oldest entries first. */
class RecentSet {
  private readonly entries = new Set<string>();
  constructor(private readonly capacity: number) {}

  has(value: string): boolean {
    return this.entries.has(value);
  }

  add(value: string): void {
    this.entries.delete(value);
    this.entries.add(value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.values().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(value: string): void {
    this.entries.delete(value);
  }
}
