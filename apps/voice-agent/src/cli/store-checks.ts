import { S3ArtifactService } from '@earshot/artifact-s3';
import type { SessionService } from '@earshot/core';
import { RedisSessionService } from '@earshot/session-redis';
import { redactUrl, type S3Options, s3ClientConfig } from '../stack.js';
import { CliError } from './cli-error.js';

/** How long each store may take to answer at start; both are checked at once, well inside 5 s. */
export const STORE_CHECK_TIMEOUT_MS = 3_000;

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
};

/** "connection refused (ECONNREFUSED)" for a network error, else its first line. */
export function describeNetworkError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && NETWORK_REASONS[code]) return `${NETWORK_REASONS[code]} (${code})`;
  return String(e?.message ?? error).split('\n')[0] ?? 'unknown error';
}

function withTimeout<T>(promise: Promise<T>, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), STORE_CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** PINGs Redis; fails on the first connection error (named, with the address) instead of retrying. */
export async function checkRedis(sessionService: SessionService, url: string): Promise<void> {
  if (!(sessionService instanceof RedisSessionService)) return;
  const client = sessionService.client;
  const where = `Redis at ${redactUrl(url)}`;
  let onError: ((error: Error) => void) | undefined;
  const connectionError = new Promise<never>((_, reject) => {
    onError = (error) =>
      reject(new CliError('redis', `${where} is unreachable: ${describeNetworkError(error)}`));
    client.once('error', onError);
  });
  try {
    await withTimeout(
      Promise.race([
        client.ping().catch((error: unknown) => {
          throw new CliError('redis', `${where} refused PING: ${describeNetworkError(error)}`);
        }),
        connectionError,
      ]),
      () => new CliError('redis', `${where} did not answer PING within ${STORE_CHECK_TIMEOUT_MS / 1000} s`),
    );
  } finally {
    if (onError) client.off('error', onError);
  }
}

/** Lists one key of the bucket with the given credentials (one attempt, no retries). */
export async function checkS3(s3: S3Options | undefined): Promise<void> {
  if (!s3) return;
  const probe = new S3ArtifactService({
    bucket: s3.bucket,
    clientConfig: { ...s3ClientConfig(s3), maxAttempts: 1 },
  });
  const where = `S3 bucket "${s3.bucket}" at ${s3.endpoint ?? `AWS (${s3.region})`}`;
  try {
    await withTimeout(
      probe
        .listArtifactKeys({ appName: 'earshot-start-check', userId: 'check', sessionId: 'check' })
        .catch((error: unknown) => {
          throw new CliError('s3', `${where} is not usable: ${describeS3Error(error)}`);
        }),
      () => new CliError('s3', `${where} did not answer within ${STORE_CHECK_TIMEOUT_MS / 1000} s`),
    );
  } finally {
    probe.close();
  }
}

function describeS3Error(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const e = cause as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e.code === 'string' && NETWORK_REASONS[e.code]) return describeNetworkError(cause);
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'NoSuchBucket') return 'the bucket does not exist';
  if (
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied'].includes(name) ||
    e.$metadata?.httpStatusCode === 403
  ) {
    return `the credentials were refused (${name || 'HTTP 403'})`;
  }
  if (name === 'CredentialsProviderError')
    return 'no credentials found (use --s3-access-key/--s3-secret-key or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)';
  return describeNetworkError(cause);
}
