import { S3ArtifactService } from '@earshot/artifact-s3';
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
import { attachScriptedModel } from './scripted-model.js';

export const APP_NAME = 'earshot-voice-agent';

export interface StackOptions {
  /** A Gemini API key: talk to the real Live API. Without one, an offline scripted model is used. */
  apiKey?: string;
  model?: string;
  /** `redis://…`: sessions in Redis; otherwise in memory. */
  redisUrl?: string;
  /** An S3 bucket (with `S3_ENDPOINT` etc. from the environment when not AWS): artifacts in S3. */
  s3Bucket?: string;
  s3Endpoint?: string;
  /** Length of the offline model's spoken replies. */
  fakeReplyMs?: number;
}

export interface Stack {
  runner: Runner;
  sessionService: SessionService;
  artifactService: ArtifactService;
  /** How the model is reached, for the banner. */
  modelDescription: string;
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

  const artifactService: ArtifactService = options.s3Bucket
    ? new S3ArtifactService({
        bucket: options.s3Bucket,
        clientConfig: options.s3Endpoint ? { endpoint: options.s3Endpoint, forcePathStyle: true } : {},
      })
    : new InMemoryArtifactService();

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
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}
