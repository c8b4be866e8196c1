import { randomUUID } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  type ArtifactRequest,
  type ArtifactScope,
  type ArtifactService,
  InvalidArgumentError,
  type LoadArtifactRequest,
  type Part,
  type SaveArtifactRequest,
  validateArtifactRequest,
  validateArtifactScope,
  validateNonNegativeInteger,
  validateSaveArtifactRequest,
} from '@earshot/core';
import { BufferPool } from './buffer-pool.js';
import { buildClient } from './client.js';
import {
  artifactPrefix,
  assertFitsKeyLimit,
  fitsKeyLimit,
  normalizePrefix,
  parseFilename,
  scopePrefixes,
  versionKey,
} from './object-keys.js';
import { decodePart, encodePart } from './part-codec.js';
import { S3Objects } from './s3-objects.js';
import { saveVersion } from './save-version.js';
import { StoreTraits } from './store-traits.js';

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
   * Whether the store honours `If-None-Match: *`. `'probe'` (default): find out once with a
   * probe object. `'assume'`: trust it without a probe (AWS S3, MinIO, R2, GCS XML API).
   * Either way every write is create-only; the answer only enables the version-0 shortcut.
   */
  conditionalWrites?: 'probe' | 'assume';
}

/**
 * `ArtifactService` on S3 (or any S3-compatible store with conditional writes): every
 * version is one immutable object, created with `If-None-Match: *`, so two writers can never
 * share or overwrite a version. See the package README for the layout and the guarantees.
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
  }

  async saveArtifact(request: SaveArtifactRequest): Promise<number> {
    const { artifact, ...req } = validateSaveArtifactRequest(request);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    assertFitsKeyLimit(prefix);
    // The save id tells our own write apart from a rival's when an SDK retry meets a 412.
    const saveId = randomUUID();
    const encoded = await encodePart({ part: artifact, saveId, alloc: (size) => this.pool.acquire(size) });
    const version = await saveVersion({
      objects: this.objects,
      artifact: prefix,
      encoded,
      // An artifact this process has seen stored skips the version-0 shortcut: it would be refused.
      shortcut: this.seen.has(prefix) ? 'off' : this.traits.shortcut(),
      maxAttempts: this.maxSaveAttempts,
    });
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
    if (version !== undefined) return this.load(versionKey(prefix, version));
    // The latest version can be deleted between the listing and the read: look again.
    for (let i = 0; i < 3; i++) {
      const latest = (await this.objects.listVersions(prefix)).at(-1);
      if (latest === undefined) return undefined;
      const part = await this.load(latest.key);
      if (part !== undefined) return part;
    }
    return undefined;
  }

  async listArtifactKeys(request: ArtifactScope): Promise<string[]> {
    const scope = validateArtifactScope(request);
    const prefixes = scopePrefixes({ prefix: this.prefix, ...scope });
    const [own, shared] = await Promise.all([
      this.objects.listKeys(prefixes.session),
      this.objects.listKeys(prefixes.user),
    ]);
    const names = new Set<string>();
    for (const key of own) {
      const name = parseFilename(prefixes.session, key, false);
      if (name !== undefined) names.add(name);
    }
    for (const key of shared) {
      const name = parseFilename(prefixes.user, key, true);
      if (name !== undefined) names.add(name);
    }
    return [...names].sort();
  }

  async deleteArtifact(request: ArtifactRequest): Promise<void> {
    const req = validateArtifactRequest(request);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    if (!fitsKeyLimit(prefix)) return;
    this.seen.delete(prefix);
    // Highest first and version 0 last, in a request of its own: if a batch fails, the
    // versions left still start at 0, so the next save still numbers after them.
    const keys = (await this.objects.listVersions(prefix)).map((v) => v.key).reverse();
    await this.objects.deleteKeys(keys.slice(0, -1), prefix);
    await this.objects.deleteKeys(keys.slice(-1), prefix);
  }

  async listVersions(request: ArtifactRequest): Promise<number[]> {
    const req = validateArtifactRequest(request);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    if (!fitsKeyLimit(prefix)) return [];
    return (await this.objects.listVersions(prefix)).map((v) => v.version);
  }

  /** Outside every app's keys: the layout never emits "!" in an encoded id. */
  private probeKey(): string {
    return `${this.prefix}!probe/${randomUUID()}`;
  }

  /** Releases the sockets of a client the service built itself (a passed client is the caller's). */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private async load(key: string): Promise<Part | undefined> {
    const object = await this.objects.get(key);
    return object === undefined ? undefined : decodePart(object);
  }
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
