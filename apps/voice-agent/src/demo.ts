import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyLiveEvent, type Event } from '@earshot/core';
import { LiveRequestQueue } from '@earshot/runner';
import { pcm16Tone } from '@earshot/testing';
import { LIVE_RUN_CONFIG as runConfig } from './live-run-config.js';
import { APP_NAME, createStack, type Stack, type StackOptions } from './stack.js';

export interface DemoOptions extends StackOptions {
  /** A stack already started (and checked) by the caller; the demo closes it at the end. Default: one from these options. */
  stack?: Stack;
  turns?: number;
  /** The session to talk in (continued if it exists). Default `demo-<time>`. */
  sessionId?: string;
  /** Where the recorded WAV files are written. */
  outDir: string;
  /** Pace microphone chunks in real time (40 ms apart) instead of as fast as possible. */
  realtime?: boolean;
  log?: (line: string) => void;
}

export interface DemoResult {
  yielded: number;
  persisted: number;
  recordings: string[];
}

export function describeEvent(event: Event): string {
  const part = event.content?.parts?.[0];
  if (part?.inlineData) return `audio ${Buffer.from(part.inlineData.data ?? '', 'base64').length} B`;
  if (part?.fileData) return `recording ${part.fileData.fileUri}`;
  if (part?.functionCall) return `call ${part.functionCall.name}(${JSON.stringify(part.functionCall.args)})`;
  if (part?.functionResponse) return `result ${JSON.stringify(part.functionResponse.response)}`;
  const t = event.inputTranscription ?? event.outputTranscription;
  if (t) return `${event.partial ? '…' : '✓'} "${t.text}"`;
  if (event.errorCode) return `error ${event.errorCode}: ${event.errorMessage}`;
  if (event.usageMetadata) return `usage ${event.usageMetadata.totalTokenCount} tokens`;
  if (event.liveSessionResumptionUpdate)
    return `resumption handle ${event.liveSessionResumptionUpdate.newHandle}`;
  const delta = Object.keys(event.actions?.stateDelta ?? {});
  if (delta.length > 0) return `state ${delta.join(', ')}`;
  const flags = ['turnComplete', 'interrupted', 'generationComplete'].filter((k) => event[k as keyof Event]);
  return flags.join(' ') || 'event';
}

/** One offline conversation through every package: mic chunks in, events out, recordings stored. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const stack = options.stack ?? (await createStack(options));
  const userId = 'demo-user';
  const sessionId = options.sessionId ?? `demo-${Date.now()}`;
  log(`model: ${stack.modelDescription}`);
  log(`session: ${sessionId} (user ${userId})`);
  try {
    const queue = new LiveRequestQueue();
    let turnDone: () => void = () => {};
    let yielded = 0;
    const consume = (async () => {
      let audioBytes = 0;
      for await (const event of stack.runner.runLive({
        userId,
        sessionId,
        liveRequestQueue: queue,
        runConfig,
      })) {
        yielded += 1;
        const part = event.content?.parts?.[0];
        if (part?.inlineData && !event.partial) {
          audioBytes += Buffer.from(part.inlineData.data ?? '', 'base64').length;
          continue; // summarised at the turn's end rather than one line per 40 ms chunk
        }
        if (audioBytes > 0) log(`  ${'clock_agent'.padEnd(12)} model audio ${audioBytes} B`);
        audioBytes = 0;
        const { rule, persist } = classifyLiveEvent(event, runConfig);
        log(
          `  ${event.author.padEnd(12)} ${describeEvent(event).padEnd(60)} ${rule}${persist ? ' → stored' : ''}`,
        );
        if (event.turnComplete) turnDone();
      }
    })();

    for (let turn = 1; turn <= (options.turns ?? 2); turn++) {
      log(`turn ${turn}: the user speaks for 1 s`);
      const done = new Promise<void>((resolve) => {
        turnDone = resolve;
      });
      if (options.apiKey) {
        queue.sendContent({ role: 'user', parts: [{ text: 'What time is it in Paris?' }] });
      } else {
        queue.sendActivityStart();
        for (let i = 0; i < 25; i++) {
          const chunk = pcm16Tone({ ms: 40, rate: 16_000, seed: turn * 100 + i });
          queue.sendRealtime({ data: chunk.toString('base64'), mimeType: 'audio/pcm;rate=16000' });
          if (options.realtime) await new Promise((r) => setTimeout(r, 40));
        }
        queue.sendActivityEnd();
      }
      await done;
    }
    queue.close();
    await consume;

    const session = await stack.sessionService.getSession({ appName: APP_NAME, userId, sessionId });
    const keys = await stack.artifactService.listArtifactKeys({ appName: APP_NAME, userId, sessionId });
    await mkdir(options.outDir, { recursive: true });
    const recordings: string[] = [];
    for (const filename of keys) {
      const part = await stack.artifactService.loadArtifact({
        appName: APP_NAME,
        userId,
        sessionId,
        filename,
      });
      if (!part?.inlineData?.data) continue;
      const file = join(options.outDir, filename.replaceAll('/', '_'));
      await writeFile(file, Buffer.from(part.inlineData.data, 'base64'));
      recordings.push(file);
    }
    log(`\n${yielded} events yielded, ${session?.events.length ?? 0} stored in the session`);
    log(`recordings (${recordings.length}):`);
    for (const file of recordings) log(`  ${file}`);
    return { yielded, persisted: session?.events.length ?? 0, recordings };
  } finally {
    await stack.close();
  }
}
