// A complete @earshot/bridge app: an HTTP server that serves one page and the bridge at /live.
// Build once (`pnpm --filter "@earshot/bridge..." build`), then:
//   GEMINI_API_KEY=… node examples/server.mjs        → open the printed URL, hold "Talk"
// GEMINI_BASE_URL points the model at another endpoint (the tests use FakeLiveServer).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createLiveBridge } from '@earshot/bridge';
import { InMemorySessionService } from '@earshot/core';
import { GeminiLiveModel, LlmAgent, Runner } from '@earshot/runner';

/**
 * Starts the example. `clientModule` is the file served as /bridge-client.js (default: the
 * package's built browser entry). Resolves with {url, close}.
 */
export async function startExample({
  port = 8080,
  host = '127.0.0.1',
  token = process.env.TOKEN ?? randomUUID(),
  apiKey = process.env.GEMINI_API_KEY,
  baseUrl = process.env.GEMINI_BASE_URL,
  model = 'gemini-live-2.5-flash-preview',
  clientModule = fileURLToPath(new URL('../dist/browser/index.js', import.meta.url)),
  runnerOptions = {},
  runConfig = {},
} = {}) {
  if (!apiKey) throw new Error('set GEMINI_API_KEY');
  const agent = new LlmAgent({
    name: 'assistant',
    model: new GeminiLiveModel({ model, apiKey, ...(baseUrl ? { httpOptions: { baseUrl } } : {}) }),
    instruction: 'You are a friendly voice assistant. Answer briefly.',
    tools: [],
  });
  const runner = new Runner({
    appName: 'bridge-example',
    agent,
    sessionService: new InMemorySessionService(),
    ...runnerOptions,
  });

  const page = await readFile(new URL('./page.html', import.meta.url), 'utf8');
  const client = await readFile(clientModule, 'utf8');
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname === '/bridge-client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(client);
    } else if (pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else response.writeHead(404).end();
  });

  const expected = Buffer.from(token);
  const bridge = createLiveBridge({
    runner,
    // The page passes the token in the WebSocket URL; identity comes only from here.
    authenticate: (request) => {
      const given = Buffer.from(
        new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? '',
      );
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad token');
      return { userId: 'example-user' };
    },
    // Push-to-talk: the page marks the turns with activityStart/activityEnd.
    runConfig: {
      inputAudioTranscription: {},
      outputAudioTranscription: {},
      realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
      ...runConfig,
    },
    onError: (error, context) => console.warn('[bridge]', context.sessionId ?? '-', error.message),
  });
  server.on('upgrade', (request, socket, head) => {
    if (!bridge.handleUpgrade(request, socket, head)) socket.destroy();
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const url = `http://${host}:${address.port}/?token=${encodeURIComponent(token)}`;
  return {
    url,
    server,
    bridge,
    async close() {
      await bridge.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const example = await startExample({ port: Number(process.env.PORT ?? 8080) });
  console.log(`open ${example.url}`);
  process.once('SIGINT', () => example.close().then(() => process.exit(0)));
}
