import {
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { readBody } from './body.js';
import { describeEndpoint } from './client.js';
import {
  attemptsOf,
  isConditionalConflict,
  isNoSuchKey,
  isPreconditionFailed,
  toStorageError,
} from './errors.js';
import { parseVersion } from './object-keys.js';
import { type EncodedPart, META } from './part-codec.js';

/** What a create-only write found: it created the object, the key was taken, or a rival write is in flight. */
export type PutOutcome = 'created' | 'taken' | 'busy';

export interface StoredVersion {
  version: number;
  key: string;
  lastModified: Date | undefined;
}

export interface StoredHead {
  contentType: string | undefined;
  contentLength: number | undefined;
  metadata: Record<string, string> | undefined;
  lastModified: Date | undefined;
}

export interface StoredObject {
  body: Buffer;
  contentType: string | undefined;
  metadata: Record<string, string> | undefined;
}

/**
 * The S3 requests the service needs, each mapped to core's typed errors. Nothing here knows
 * about artifacts beyond "a version is `{artifact prefix}{digits}`".
 */
export class S3Objects {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly multipartThreshold: number;
  private readonly partSize: number;

  constructor(options: { client: S3Client; bucket: string; multipartThreshold: number; partSize: number }) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.multipartThreshold = options.multipartThreshold;
    this.partSize = options.partSize;
  }

  /** Bodies above the threshold are uploaded in parts, to a body object of their own. */
  usesMultipart(bytes: number): boolean {
    return bytes > this.multipartThreshold;
  }

  /**
   * Writes `key` with one `PutObject` only if it does not exist yet (`If-None-Match: *`). The
   * only conditional write the service makes: every store it supports honours it there (the
   * probe checks), unlike on `CompleteMultipartUpload` (Ceph RGW before Squid ignores it).
   */
  async putCreateOnly(key: string, { body, contentType, metadata }: EncodedPart): Promise<PutOutcome> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ContentType: contentType,
          Metadata: metadata,
          IfNoneMatch: '*',
          Body: body,
          ContentLength: body.byteLength,
        }),
      );
      return 'created';
    } catch (error) {
      if (isPreconditionFailed(error)) {
        // After an SDK retry, the 412 may be our own first attempt, stored but unanswered.
        const saveId = metadata[META.saveId];
        if (attemptsOf(error) > 1 && saveId !== undefined && (await this.savedBy(key)) === saveId)
          return 'created';
        return 'taken';
      }
      if (isConditionalConflict(error)) return 'busy';
      throw await this.fail(error, 'PutObject', key);
    }
  }

  /**
   * Uploads a large body in parts to `key`, a key no other save uses (it is named by the save
   * id), so no condition is needed. A failed upload is aborted: its parts never become an object.
   */
  async uploadBody(key: string, { body, contentType, metadata }: EncodedPart): Promise<void> {
    try {
      await new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, ContentType: contentType, Metadata: metadata, Body: body },
        partSize: this.partSize,
        queueSize: 4,
        leavePartsOnError: false,
      }).done();
    } catch (error) {
      throw await this.fail(error, 'multipart upload', key);
    }
  }

  /** Writes, rewrites (expecting a refusal) and deletes `key`: whether create-only writes hold. */
  async probeCreateOnly(key: string): Promise<boolean> {
    const part: EncodedPart = {
      body: Buffer.alloc(0),
      contentType: 'application/octet-stream',
      metadata: {},
    };
    if ((await this.putCreateOnly(key, part)) !== 'created') return false;
    try {
      return (await this.putCreateOnly(key, part)) !== 'created';
    } finally {
      await this.deleteKeys([key], key).catch(() => undefined);
    }
  }

  /**
   * Whether a bucket lifecycle rule may expire objects under `prefix` (deleting old versions
   * behind the service's back). Unknown (no permission, network) counts as yes.
   */
  async mayExpire(prefix: string): Promise<boolean> {
    try {
      const { Rules = [] } = await this.client.send(
        new GetBucketLifecycleConfigurationCommand({ Bucket: this.bucket }),
      );
      return Rules.some((rule) => {
        if (rule.Status !== 'Enabled' || rule.Expiration === undefined) return false;
        const filter = rule.Filter;
        if (filter?.Tag || filter?.And?.Tags?.length) return true;
        const rulePrefix = filter?.Prefix ?? filter?.And?.Prefix ?? rule.Prefix ?? '';
        return prefix.startsWith(rulePrefix) || rulePrefix.startsWith(prefix);
      });
    } catch (error) {
      const name = (error as { name?: string }).name;
      // No configuration, or a store without lifecycle support at all (s3rver): nothing expires.
      return !(name === 'NoSuchLifecycleConfiguration' || name === 'NotImplemented');
    }
  }

  /** The object, or `undefined` if it does not exist. */
  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = await readBody({
        body: object.Body as AsyncIterable<Uint8Array> | undefined,
        contentLength: object.ContentLength,
      });
      return { body, contentType: object.ContentType, metadata: object.Metadata };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw await this.fail(error, 'GetObject', key);
    }
  }

  /** Every object under `prefix`, all pages (no delimiter: it is buggy on some S3 look-alikes). */
  async list(prefix: string): Promise<{ key: string; lastModified: Date | undefined }[]> {
    const objects: { key: string; lastModified: Date | undefined }[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage({ prefix, token });
      objects.push(...page.objects);
      token = page.nextToken;
    } while (token !== undefined);
    return objects;
  }

  /** One page (up to 1,000 keys) under `prefix`, from `startAfter` or a continuation token. */
  async listPage({
    prefix,
    startAfter,
    token,
  }: {
    prefix: string;
    startAfter?: string;
    token?: string;
  }): Promise<{ objects: { key: string; lastModified: Date | undefined }[]; nextToken: string | undefined }> {
    try {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ContinuationToken: token,
          StartAfter: token === undefined ? startAfter : undefined,
        }),
      );
      const objects: { key: string; lastModified: Date | undefined }[] = [];
      for (const { Key, LastModified } of page.Contents ?? []) {
        if (Key !== undefined) objects.push({ key: Key, lastModified: LastModified });
      }
      return { objects, nextToken: page.IsTruncated ? page.NextContinuationToken : undefined };
    } catch (error) {
      throw await this.fail(error, 'ListObjectsV2', prefix);
    }
  }

  /** The object's headers and metadata without its body, or `undefined` if it does not exist. */
  async head(key: string): Promise<StoredHead | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        contentType: head.ContentType,
        contentLength: head.ContentLength,
        metadata: head.Metadata,
        lastModified: head.LastModified,
      };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw await this.fail(error, 'HeadObject', key);
    }
  }

  async listKeys(prefix: string): Promise<string[]> {
    return (await this.list(prefix)).map((object) => object.key);
  }

  /** The versions stored under an artifact prefix, ascending; foreign keys are skipped. */
  async listVersions(artifact: string): Promise<StoredVersion[]> {
    const versions: StoredVersion[] = [];
    for (const { key, lastModified } of await this.list(artifact)) {
      const version = parseVersion(artifact, key);
      if (version !== undefined) versions.push({ version, key, lastModified });
    }
    return versions.sort((a, b) => a.version - b.version);
  }

  /** Deletes `keys` in order, 1,000 per request (S3's batch limit). */
  async deleteKeys(keys: readonly string[], label: string): Promise<void> {
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
        throw await this.fail(error, 'DeleteObjects', label);
      }
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        const error = new Error(`${failed.length} object(s) not deleted, e.g. ${first?.Key}: ${first?.Code}`);
        throw await this.fail(
          Object.assign(error, { name: 'DeleteObjectsPartialFailure' }),
          'DeleteObjects',
          label,
        );
      }
    }
  }

  /** The save id recorded on `key`, if it exists and can be read. */
  private async savedBy(key: string): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.Metadata?.[META.saveId];
    } catch {
      return undefined;
    }
  }

  private async fail(error: unknown, operation: string, key: string) {
    const endpoint = await describeEndpoint(this.client);
    return toStorageError({ error, operation, bucket: this.bucket, key, endpoint });
  }
}
