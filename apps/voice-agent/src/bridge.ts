import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { RunConfig } from '@earshot/core';
import { type Event, validateId } from '@earshot/core';
import { LiveRequestQueue, type Runner } from '@earshot/runner';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';

/**
 * The browser ↔ runner bridge protocol, one WebSocket per conversation:
 * - browser → server: binary frames are 16 kHz 16-bit mono PCM; text frames are JSON
 *   `{type: 'activityStart' | 'activityEnd'}` or `{type: 'text', text}`.
 * - server → browser: binary frames are the model's 24 kHz PCM; text frames are JSON
 *   `{type: 'event', event}` (every other event, audio stripped) or `{type: 'error', message}`.
 * `?session=ID&user=ID` picks the conversation (a new session id when absent).
 */
export interface VoiceBridgeOptions {
  server: Server;
  runner: Runner;
  path?: string;
  runConfig?: Partial<RunConfig>;
  inputMimeType?: string;
}

export interface VoiceBridge {
  /** Conversations currently open. */
  readonly activeRuns: number;
  close(): Promise<void>;
}

type BrowserMessage = { type: 'activityStart' } | { type: 'activityEnd' } | { type: 'text'; text: string };

/** The event as the page shows it: everything but raw audio bytes. */
export function eventForBrowser(event: Event): Record<string, unknown> {
  const parts = event.content?.parts?.filter((p) => !p.inlineData);
  const content = event.content && parts?.length ? { ...event.content, parts } : undefined;
  return { ...event, content };
}

function modelAudio(event: Event): Buffer | undefined {
  const audio = event.content?.parts?.find((p) => p.inlineData?.mimeType?.startsWith('audio/'));
  return audio?.inlineData?.data === undefined ? undefined : Buffer.from(audio.inlineData.data, 'base64');
}

function parseBrowserMessage(data: RawData): BrowserMessage {
  const message = JSON.parse(String(data)) as BrowserMessage;
  if (message.type === 'text' && typeof message.text === 'string') return message;
  if (message.type === 'activityStart' || message.type === 'activityEnd') return message;
  throw new Error(`unknown message ${JSON.stringify(message).slice(0, 80)}`);
}

export function attachVoiceBridge(options: VoiceBridgeOptions): VoiceBridge {
  const wss = new WebSocketServer({ server: options.server, path: options.path ?? '/live' });
  const runs = new Set<Promise<void>>();
  const inputMimeType = options.inputMimeType ?? 'audio/pcm;rate=16000';

  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    let userId: string;
    let sessionId: string;
    try {
      userId = validateId('user', query.get('user') ?? 'browser-user');
      sessionId = validateId('session', query.get('session') ?? randomUUID());
    } catch (error) {
      ws.close(1008, (error as Error).message.slice(0, 120));
      return;
    }
    const queue = new LiveRequestQueue();
    const sendError = (message: string) => ws.send(JSON.stringify({ type: 'error', message }));

    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) {
          queue.sendRealtime({
            data: Buffer.from(data as Buffer).toString('base64'),
            mimeType: inputMimeType,
          });
          return;
        }
        const message = parseBrowserMessage(data);
        if (message.type === 'activityStart') queue.sendActivityStart();
        else if (message.type === 'activityEnd') queue.sendActivityEnd();
        else queue.sendContent({ role: 'user', parts: [{ text: message.text }] });
      } catch (error) {
        sendError((error as Error).message);
      }
    });
    ws.on('close', () => queue.close());
    ws.send(JSON.stringify({ type: 'session', userId, sessionId }));

    const run = (async () => {
      try {
        const events = options.runner.runLive({
          userId,
          sessionId,
          liveRequestQueue: queue,
          runConfig: options.runConfig,
        });
        for await (const event of events) {
          if (ws.readyState !== ws.OPEN) continue;
          const audio = modelAudio(event);
          if (audio && event.author !== 'user') ws.send(audio, { binary: true });
          else ws.send(JSON.stringify({ type: 'event', event: eventForBrowser(event) }));
        }
      } catch (error) {
        if (ws.readyState === ws.OPEN) {
          sendError((error as Error).message);
          ws.close(1011, 'live run failed');
        }
      } finally {
        queue.close();
        if (ws.readyState === ws.OPEN) ws.close(1000, 'run ended');
      }
    })();
    runs.add(run);
    void run.finally(() => runs.delete(run));
  });

  return {
    get activeRuns() {
      return runs.size;
    },
    async close() {
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      await Promise.allSettled([...runs]);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
