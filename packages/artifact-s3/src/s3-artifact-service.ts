import { randomUUID } from 'node:crypto';
import {
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Part } from '@earshot/core';
import {
  type ArtifactRequest,
  type ArtifactScope,
  type ArtifactService,
  InvalidArgumentError,
  type LoadArtifactRequest,
  type SaveArtifactRequest,
  validateArtifactRequest,
  validateArtifactScope,
  validateNonNegativeInteger,
  validateSaveArtifactRequest,
} from '@earshot/core';
import { readBody } from './body.js';
import { buildClient, describeEndpoint } from './client.js';
import {
  attemptsOf,
  isConditionalConflict,
  isNoSuchKey,
  isPreconditionFailed,
  S3ConcurrencyError,
  toStorageError,
} from './errors.js';
import {
  artifactPrefix,
  assertFitsKeyLimit,
  fitsKeyLimit,
  normalizePrefix,
  parseFilename,
  parseVersion,
  scopePrefixes,
  versionKey,
} from './object-keys.js';
import { decodePart, type EncodedPart, encodePart } from './part-codec.js';
import { backoffMs, sleep } from './retry.js';

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
}

/**
 * `ArtifactService` on S3 (or any S3-compatible store with conditional writes): every
 * version is one immutable object, created with `If-None-Match: *`, so two writers can never
 * share or overwrite a version. See the package README for the layout and the guarantees.
 */
export class S3ArtifactService implements ArtifactService {
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly maxSaveAttempts: number;

  constructor(options: S3ArtifactServiceOptions) {
    if (typeof options?.bucket !== 'string' || options.bucket.length === 0) {
      throw new InvalidArgumentError('bucket must be a non-empty string', { field: 'bucket' });
    }
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix);
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? buildClient(options.clientConfig);
    this.partSize = positiveInt('multipartPartSizeBytes', options.multipartPartSizeBytes, 8 * MiB);
    if (this.partSize < 5 * MiB) {
      throw new InvalidArgumentError('multipartPartSizeBytes must be at least 5 MiB (S3 minimum)', {
        field: 'multipartPartSizeBytes',
      });
    }
    this.multipartThreshold = positiveInt(
      'multipartThresholdBytes',
      options.multipartThresholdBytes,
      16 * MiB,
    );
    this.maxSaveAttempts = positiveInt('maxSaveAttempts', options.maxSaveAttempts, 50);
  }

  async saveArtifact(request: SaveArtifactRequest): Promise<number> {
    const { artifact, ...req } = validateSaveArtifactRequest(request);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    assertFitsKeyLimit(prefix);
    // The save id tells our own write apart from a rival's when an SDK retry meets a 412.
    const saveId = randomUUID();
    const encoded = encodePart({ part: artifact, saveId });
    let candidate = await this.nextVersion(prefix, 0);
    for (let attempt = 1; ; attempt++) {
      const key = versionKey(prefix, candidate);
      try {
        await this.putCreateOnly(key, encoded);
        return candidate;
      } catch (error) {
        const taken = isPreconditionFailed(error);
        if (!taken && !isConditionalConflict(error)) {
          const operation =
            encoded.body.byteLength > this.multipartThreshold ? 'multipart upload' : 'PutObject';
          throw await this.fail(error, operation, key);
        }
        if (taken && attemptsOf(error) > 1 && (await this.isOwnWrite(key, saveId))) return candidate;
        if (attempt >= this.maxSaveAttempts) {
          throw new S3ConcurrencyError(
            `saveArtifact gave up after ${attempt} create-only attempts on s3://${this.bucket}/${prefix}: ` +
              'other writers kept taking the next version',
            { cause: error },
          );
        }
        await sleep(backoffMs(attempt));
        // 412: `candidate` exists, so the next number leaves no gap. 409: a rival's write to
        // `candidate` is still in flight and may fail, so `candidate` may still be ours.
        candidate = await this.nextVersion(prefix, taken ? candidate + 1 : candidate);
      }
    }
  }

  async loadArtifact(request: LoadArtifactRequest): Promise<Part | undefined> {
    const req = validateArtifactRequest(request);
    const version = validateNonNegativeInteger('version', request.version);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    if (!fitsKeyLimit(prefix)) return undefined; // never storable, so never stored
    if (version !== undefined) return this.getVersion(versionKey(prefix, version));
    // The latest version can be deleted between the listing and the read: look again.
    for (let i = 0; i < 3; i++) {
      const latest = (await this.listVersionNumbers(prefix)).at(-1);
      if (latest === undefined) return undefined;
      const part = await this.getVersion(versionKey(prefix, latest));
      if (part !== undefined) return part;
    }
    return undefined;
  }

  async listArtifactKeys(request: ArtifactScope): Promise<string[]> {
    const scope = validateArtifactScope(request);
    const prefixes = scopePrefixes({ prefix: this.prefix, ...scope });
    const [own, shared] = await Promise.all([this.listKeys(prefixes.session), this.listKeys(prefixes.user)]);
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
    const keys = (await this.listKeys(prefix)).filter((key) => parseVersion(prefix, key) !== undefined);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      let result: DeleteObjectsCommandOutput;
      try {
        result = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
      } catch (error) {
        throw await this.fail(error, 'DeleteObjects', prefix);
      }
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw await this.fail(
          Object.assign(
            new Error(`${failed.length} version(s) not deleted, e.g. ${first?.Key}: ${first?.Code}`),
            {
              name: 'DeleteObjectsPartialFailure',
            },
          ),
          'DeleteObjects',
          prefix,
        );
      }
    }
  }

  async listVersions(request: ArtifactRequest): Promise<number[]> {
    const req = validateArtifactRequest(request);
    const prefix = artifactPrefix({ prefix: this.prefix, ...req });
    if (!fitsKeyLimit(prefix)) return [];
    return this.listVersionNumbers(prefix);
  }

  /** Releases the sockets of a client the service built itself (a passed client is the caller's). */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private async putCreateOnly(key: string, { body, contentType, metadata }: EncodedPart): Promise<void> {
    const params = {
      Bucket: this.bucket,
      Key: key,
      ContentType: contentType,
      Metadata: metadata,
      IfNoneMatch: '*',
    };
    if (body.byteLength <= this.multipartThreshold) {
      await this.client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.byteLength }));
      return;
    }
    // lib-storage passes IfNoneMatch on to CompleteMultipartUpload: the object appears only
    // when the key is still free, and a failed upload is aborted (nothing becomes visible).
    await new Upload({
      client: this.client,
      params: { ...params, Body: body },
      partSize: this.partSize,
      queueSize: 4,
      leavePartsOnError: false,
    }).done();
  }

  private async isOwnWrite(key: string, saveId: string): Promise<boolean> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.Metadata?.['earshot-save'] === saveId;
    } catch {
      return false;
    }
  }

  /** The version after the highest stored one, and at least `floor`. */
  private async nextVersion(prefix: string, floor: number): Promise<number> {
    const latest = (await this.listVersionNumbers(prefix)).at(-1);
    return Math.max(floor, latest === undefined ? 0 : latest + 1);
  }

  private async getVersion(key: string): Promise<Part | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = await readBody({
        body: object.Body as AsyncIterable<Uint8Array> | undefined,
        contentLength: object.ContentLength,
      });
      return decodePart({ body, contentType: object.ContentType, metadata: object.Metadata });
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw await this.fail(error, 'GetObject', key);
    }
  }

  private async listVersionNumbers(prefix: string): Promise<number[]> {
    const versions: number[] = [];
    for (const key of await this.listKeys(prefix)) {
      const version = parseVersion(prefix, key);
      if (version !== undefined) versions.push(version);
    }
    return versions.sort((a, b) => a - b);
  }

  /** Every key under `prefix`, all pages (no delimiter: it is buggy on some S3 look-alikes). */
  private async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      try {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } catch (error) {
        throw await this.fail(error, 'ListObjectsV2', prefix);
      }
    } while (token !== undefined);
    return keys;
  }

  private async fail(error: unknown, operation: string, key: string) {
    return toStorageError({
      error,
      operation,
      bucket: this.bucket,
      key,
      endpoint: await describeEndpoint(this.client),
    });
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
