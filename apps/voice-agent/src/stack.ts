import { S3ArtifactService, type S3ArtifactServiceOptions } from '@earshot/artifact-s3';
import { AudioAggregator } from '@earshot/audio';
import {
  type ArtifactService,
  InMemoryArtifactService,
  InMemorySessionService,
  type SessionService,
} from '@earshot/core';
import { Runner } from '@earshot/runner';
import { RedisSessionService } from '@earshot/session-redis';
import { FakeLiveServer } from '@earshot/testing';
import { createVoiceAgent, DEFAULT_MODEL } from './agent.js';
import { attachScriptedModel } from './model/scripted-model.js';

export const APP_NAME = 'earshot-voice-agent';

export interface StackOptions {
  /** A Gemini API key: talk to the real Live API. Without one, an offline scripted model is used. */
  apiKey?: string;
  model?: string;
  /** `redis://…`: sessions in Redis; otherwise in memory. */
  redisUrl?: string;
  /** Artifacts (the recordings) in S3; otherwise in memory. */
  s3?: S3Options;
  /** Length of the offline model's spoken replies. */
  fakeReplyMs?: number;
}

type S3ClientConfig = NonNullable<S3ArtifactServiceOptions['clientConfig']>;

export interface S3Options {
  bucket: string;
  /** An S3-compatible endpoint (path-style addressing); absent for AWS. */
  endpoint?: string;
  region: string;
  /** Absent: the AWS SDK's credential chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface Stack {
  runner: Runner;
  sessionService: SessionService;
  artifactService: ArtifactService;
  /** How the model is reached, for the banner. */
  modelDescription: string;
  /** True when the model is the offline scripted one (no API key). */
  offline: boolean;
  /** Where sessions and recordings are kept, for the banner (`memory`, `redis://…`, `s3://…`). */
  stores: { sessions: string; artifacts: string };
  close(): Promise<void>;
}

/** Wires every Earshot package into one Runner, as a production app would. */
export async function createStack(options: StackOptions): Promise<Stack> {
  const closers: Array<() => Promise<void>> = [];
  let fake: FakeLiveServer | undefined;
  if (!options.apiKey) {
    fake = await FakeLiveServer.start({ frames: 'binary' });
    attachScriptedModel(fake, { replyMs: options.fakeReplyMs });
    const server = fake;
    closers.push(() => server.close());
  }
  const model = options.model ?? DEFAULT_MODEL;
  const agent = createVoiceAgent(
    fake
      ? { model, apiKey: 'offline', httpOptions: { baseUrl: fake.baseUrl } }
      : { model, apiKey: options.apiKey },
  );

  const sessionService = options.redisUrl
    ? new RedisSessionService({ redis: options.redisUrl, keyPrefix: 'earshot' })
    : new InMemorySessionService();
  if (sessionService instanceof RedisSessionService) closers.push(() => sessionService.close());

  const s3 = options.s3;
  const artifactService: ArtifactService = s3
    ? new S3ArtifactService({ bucket: s3.bucket, clientConfig: s3ClientConfig(s3) })
    : new InMemoryArtifactService();
  if (artifactService instanceof S3ArtifactService) closers.push(async () => artifactService.close());

  const runner = new Runner({
    appName: APP_NAME,
    agent,
    sessionService,
    artifactService,
    audioRecorder: new AudioAggregator({ artifactService, mixdown: true }),
  });
  return {
    runner,
    sessionService,
    artifactService,
    modelDescription: fake
      ? `offline scripted model on ${fake.baseUrl} (set GEMINI_API_KEY for Gemini)`
      : model,
    offline: fake !== undefined,
    stores: {
      sessions: options.redisUrl ? redactUrl(options.redisUrl) : 'memory',
      artifacts: s3 ? `s3://${s3.bucket}${s3.endpoint ? ` at ${s3.endpoint}` : ''}` : 'memory',
    },
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

/** The S3 client config of these options (also used by the start-up check). */
export function s3ClientConfig(s3: S3Options): S3ClientConfig {
  return {
    region: s3.region,
    ...(s3.endpoint ? { endpoint: s3.endpoint, forcePathStyle: true } : {}),
    ...(s3.credentials ? { credentials: s3.credentials } : {}),
  };
}

/** A URL without its password, for logs and banners. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return value;
  }
}
