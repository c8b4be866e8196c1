import { EarshotError, StorageError } from '@earshot/core';

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

function shape(error: unknown): SdkErrorShape {
  return error !== null && typeof error === 'object' ? (error as SdkErrorShape) : {};
}

export function httpStatusOf(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode;
}

/** How many HTTP attempts the SDK made before this error (its own retries included). */
export function attemptsOf(error: unknown): number {
  return shape(error).$metadata?.attempts ?? 1;
}

function nameOf(error: unknown): string {
  const e = shape(error);
  // Network errors are plain `Error`s whose `code` (ECONNREFUSED …) says what happened.
  if ((e.name === undefined || e.name === 'Error') && typeof e.code === 'string') return e.code;
  return String(e.name ?? e.Code ?? e.code ?? '');
}

/** 412: the create-only write found the key taken; the next version is free to try. */
export function isPreconditionFailed(error: unknown): boolean {
  return httpStatusOf(error) === 412 || nameOf(error) === 'PreconditionFailed';
}

/** 409: another conditional write to the key is in flight; the key may still end up free. */
export function isConditionalConflict(error: unknown): boolean {
  return nameOf(error) === 'ConditionalRequestConflict' || httpStatusOf(error) === 409;
}

export function isNoSuchKey(error: unknown): boolean {
  const name = nameOf(error);
  return (
    name === 'NoSuchKey' || name === 'NotFound' || (httpStatusOf(error) === 404 && name !== 'NoSuchBucket')
  );
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'TimeoutError',
  'RequestTimeout',
]);
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'aborted']);

/** Wraps any S3/SDK failure in core's `StorageError`, with a message that says what and where. */
export function toStorageError({
  error,
  operation,
  bucket,
  key,
  endpoint,
}: {
  error: unknown;
  operation: string;
  bucket: string;
  key: string;
  endpoint: string;
}): EarshotError {
  if (error instanceof EarshotError) return error;
  const e = shape(error);
  const name = nameOf(error);
  const status = httpStatusOf(error);
  const attempts = attemptsOf(error);
  const detail = `${name || 'Error'}${status ? ` (HTTP ${status})` : ''}: ${String(e.message ?? error)}`;
  const where = `s3://${bucket}/${key}`;
  let message: string;
  if (name === 'NoSuchBucket') {
    message = `S3 bucket "${bucket}" does not exist at ${endpoint} (${operation} ${where})`;
  } else if (UNREACHABLE.has(name) || UNREACHABLE.has(String(e.code ?? ''))) {
    message = `S3 endpoint ${endpoint} is unreachable: ${operation} ${where} failed after ${attempts} attempt(s): ${detail}`;
  } else if (DROPPED.has(String(e.code ?? '')) || DROPPED.has(String(e.message ?? ''))) {
    message = `S3 endpoint ${endpoint} dropped the connection: ${operation} ${where} failed: ${detail}`;
  } else {
    message = `S3 ${operation} ${where} failed: ${detail}`;
  }
  return new StorageError(message, { cause: error });
}
