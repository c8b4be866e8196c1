import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * Defaults for a client the service builds itself, so an unreachable or stalled endpoint
 * fails within seconds instead of hanging (the SDK's own defaults have no timeouts):
 * connect within 2 s, no socket idle for more than 10 s, 3 attempts in all.
 * Anything set in `clientConfig` wins.
 */
export const CLIENT_DEFAULTS = {
  maxAttempts: 3,
  connectionTimeoutMs: 2_000,
  socketTimeoutMs: 10_000,
} as const;

export function buildClient(config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    maxAttempts: CLIENT_DEFAULTS.maxAttempts,
    requestHandler: {
      connectionTimeout: CLIENT_DEFAULTS.connectionTimeoutMs,
      socketTimeout: CLIENT_DEFAULTS.socketTimeoutMs,
    },
    ...config,
  });
}

/** A short description of where the client sends requests, for error messages. */
export async function describeEndpoint(client: S3Client): Promise<string> {
  try {
    const endpoint = await client.config.endpoint?.();
    if (endpoint) {
      const port = endpoint.port ? `:${endpoint.port}` : '';
      return `${endpoint.protocol}//${endpoint.hostname}${port}${endpoint.path === '/' ? '' : endpoint.path}`;
    }
    return `AWS S3 (${await client.config.region()})`;
  } catch {
    return 'the configured S3 endpoint';
  }
}
