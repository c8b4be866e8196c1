#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';
import { startVoiceAgentServer } from './http-server.js';
import { createStack } from './stack.js';

const usage = `earshot-voice-agent — the Earshot example voice agent

  demo  [--turns N] [--out DIR] [--realtime]   one offline conversation (or against Gemini with GEMINI_API_KEY):
                                               prints every event and writes the recorded WAV files
  serve [--port 8080] [--host 127.0.0.1]       the browser page at / and the live bridge at /live

Common: --model NAME  --redis-url redis://…  --s3-bucket NAME [--s3-endpoint URL]
Without GEMINI_API_KEY the model is an offline scripted stand-in (FakeLiveServer).`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      turns: { type: 'string' },
      out: { type: 'string' },
      realtime: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      'redis-url': { type: 'string' },
      's3-bucket': { type: 'string' },
      's3-endpoint': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'demo';
  if (values.help || !['demo', 'serve'].includes(command)) {
    console.log(usage);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const stackOptions = {
    apiKey: process.env.GEMINI_API_KEY || undefined,
    model: values.model,
    redisUrl: values['redis-url'],
    s3Bucket: values['s3-bucket'],
    s3Endpoint: values['s3-endpoint'],
  };
  if (command === 'demo') {
    await runDemo({
      ...stackOptions,
      turns: values.turns ? Number(values.turns) : 2,
      outDir: values.out ?? 'recordings',
      realtime: values.realtime,
    });
    return;
  }
  const stack = await createStack(stackOptions);
  const app = await startVoiceAgentServer({
    runner: stack.runner,
    port: values.port ? Number(values.port) : 8080,
    host: values.host,
    runConfig: {
      saveLiveAudio: true,
      inputAudioTranscription: {},
      outputAudioTranscription: {},
      realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
    },
  });
  console.log(`model: ${stack.modelDescription}\nopen ${app.url} (Ctrl+C to stop)`);
  const stop = async () => {
    await app.close();
    await stack.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
