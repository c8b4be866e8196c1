import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { S3ArtifactService } from '../src/index.js';
import { scope } from './helpers/fixture.js';
import { useGatedS3rver } from './helpers/gated-s3rver.js';
import { BUCKET, isProbeRequest, s3rverClient } from './helpers/s3rver.js';

const MiB = 1024 * 1024;
const s3 = useGatedS3rver();

/** A client through the gate that records every command and the If-None-Match it sent. */
function recordingClient() {
  const c = s3rverClient(s3.gate.endpoint);
  s3.track(c);
  const sent: { command: string; ifNoneMatch: string | undefined }[] = [];
  c.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      // Leave out the service's one-off probes of the store (see the README).
      if (!isProbeRequest(args.input) && context.commandName !== 'GetBucketLifecycleConfigurationCommand') {
        sent.push({ command: context.commandName ?? '', ifNoneMatch: headers['if-none-match'] });
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordCommands' },
  );
  return { client: c, sent };
}

describe('large artifacts', () => {
  it('a 20 MiB artifact goes through a create-only multipart upload and loads back byte for byte', async () => {
    const { client, sent } = recordingClient();
    const service = new S3ArtifactService({ bucket: BUCKET, client, prefix: `mp-${randomUUID()}` });
    const bytes = randomBytes(20 * MiB);
    const artifact = { inlineData: { data: bytes.toString('base64'), mimeType: 'audio/wav' } };
    expect(await service.saveArtifact({ ...scope, filename: 'long.wav', artifact })).toBe(0);
    const count = (command: string) => sent.filter((s) => s.command === command).length;
    expect(count('PutObjectCommand')).toBe(0);
    expect(count('CreateMultipartUploadCommand')).toBe(1);
    expect(count('UploadPartCommand')).toBe(3); // 8 + 8 + 4 MiB
    const complete = sent.filter((s) => s.command === 'CompleteMultipartUploadCommand');
    expect(complete).toEqual([{ command: 'CompleteMultipartUploadCommand', ifNoneMatch: '*' }]);
    const loaded = await service.loadArtifact({ ...scope, filename: 'long.wav' });
    expect(loaded?.inlineData?.mimeType).toBe('audio/wav');
    expect(loaded?.inlineData?.data === artifact.inlineData.data).toBe(true);
  });

  it('two racing multipart saves of one filename: the loser’s complete gets 412 and it takes the next version', async () => {
    const { client, sent } = recordingClient();
    const service = new S3ArtifactService({
      bucket: BUCKET,
      client,
      prefix: `mp-${randomUUID()}`,
      multipartThresholdBytes: 5 * MiB,
      multipartPartSizeBytes: 5 * MiB,
    });
    // Both list an empty artifact before either uploads: hold the first two multipart starts.
    let started = 0;
    let release: () => void = () => {};
    const both = new Promise<void>((r) => (release = r));
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'CreateMultipartUploadCommand' && started < 2) {
          if (++started === 2) release();
          await both;
        }
        return next(args);
      },
      { step: 'initialize', name: 'holdTwoStarts' },
    );
    const payloads = [randomBytes(6 * MiB), randomBytes(6 * MiB)];
    const versions = await Promise.all(
      payloads.map((p) =>
        service.saveArtifact({
          ...scope,
          filename: 'take.wav',
          artifact: { inlineData: { data: p.toString('base64'), mimeType: 'audio/wav' } },
        }),
      ),
    );
    expect([...versions].sort()).toEqual([0, 1]);
    expect(sent.filter((s) => s.command === 'CompleteMultipartUploadCommand')).toHaveLength(3);
    for (const [i, v] of versions.entries()) {
      const loaded = await service.loadArtifact({ ...scope, filename: 'take.wav', version: v });
      expect(loaded?.inlineData?.data === payloads[i]?.toString('base64')).toBe(true);
    }
  });

  it('honours the multipart threshold: a 5 MiB body is one PutObject by default', async () => {
    const { client, sent } = recordingClient();
    const service = new S3ArtifactService({ bucket: BUCKET, client, prefix: `mp-${randomUUID()}` });
    const data = randomBytes(5 * MiB).toString('base64');
    await service.saveArtifact({
      ...scope,
      filename: 'f',
      artifact: { inlineData: { data, mimeType: 'a/b' } },
    });
    expect(sent.map((s) => s.command)).toEqual(['ListObjectsV2Command', 'PutObjectCommand']);
    expect(sent[1]?.ifNoneMatch).toBe('*');
  });
});
