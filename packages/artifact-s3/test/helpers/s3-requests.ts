import type { S3Client } from '@aws-sdk/client-s3';

/** The service's one-off check that the store honours If-None-Match (see the README). */
export function isProbeRequest(input: unknown): boolean {
  const { Key, Delete } = input as { Key?: string; Delete?: { Objects?: { Key?: string }[] } };
  return [Key, ...(Delete?.Objects ?? []).map((o) => o.Key)].some((key) => key?.includes('/!probe/'));
}

/** Counts the 412 PreconditionFailed answers the store sent this client (the probe's included). */
export function count412s(client: S3Client): { readonly count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412)
          counter.count++;
        throw error;
      }
    },
    { step: 'initialize', name: 'count412s' },
  );
  return counter;
}

export interface SentRequest {
  command: string;
  key: string | undefined;
  ifNoneMatch: string | undefined;
}

/** Records every command the client sends (not the probe's), with its key and If-None-Match. */
export function recordRequests(client: S3Client): SentRequest[] {
  const sent: SentRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      if (!isProbeRequest(args.input) && context.commandName !== 'GetBucketLifecycleConfigurationCommand') {
        sent.push({
          command: context.commandName ?? '',
          key: (args.input as { Key?: string }).Key,
          ifNoneMatch: headers['if-none-match'],
        });
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequests' },
  );
  return sent;
}
