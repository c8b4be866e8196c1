import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLiveBridge, type LiveBridge } from '@earshot/bridge';
import { type ArtifactService, type RunConfig, type SessionService, validateId } from '@earshot/core';
import type { Runner } from '@earshot/runner';
import type { ConsoleInfo } from '../console-api.js';
import { createAccessToken, tokenMatches, tokenOf } from './access-token.js';
import { handleApi } from './api-routes.js';
import { type ConsoleAssets, defaultAssetsDir, loadConsoleAssets } from './static-assets.js';

/** The user a page acts as when its URL names none (`?user=ID` picks another). */
export const DEFAULT_CONSOLE_USER = 'dev';

export interface ConsoleServerOptions {
  runner: Runner;
  sessionService: SessionService;
  artifactService: ArtifactService;
  info: Omit<ConsoleInfo, 'appName' | 'userId'>;
  /** Random unless given. */
  token?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  runConfig?: Partial<RunConfig>;
  /** The built console (default `dist/console/`). */
  assetsDir?: string;
  /** Every conversation's errors and every failed request, one line each. Default `console.error`. */
  log?: (line: string) => void;
}

export interface ConsoleServer {
  server: Server;
  bridge: LiveBridge;
  token: string;
  /** The page's URL with the token, as printed at start. */
  url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const REFUSED_PAGE = `<!doctype html><meta charset="utf-8"><title>Earshot console: token needed</title>
<body style="font:16px system-ui;margin:3rem"><h1>Access token needed</h1>
<p>This console only opens with its access token. Open the URL the CLI printed at start
(<code>http://HOST:PORT/?token=…</code>).</p></body>`;

/** The request's user: `?user=ID` (validated like every id), else {@link DEFAULT_CONSOLE_USER}. */
function userOf(url: URL): string {
  return validateId('user', url.searchParams.get('user') ?? DEFAULT_CONSOLE_USER);
}

/**
 * The dev console: the page (for any query string, with the token), its built assets, the JSON
 * API and the recordings under `/api/`, and the live bridge at `/live`. Every route but the
 * static assets (which hold no data) needs the token.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const token = options.token ?? createAccessToken();
  const log = options.log ?? ((line: string) => console.error(line));
  const assets = await loadConsoleAssets(options.assetsDir ?? defaultAssetsDir());
  const appName = options.runner.appName;
  const api = {
    appName,
    sessionService: options.sessionService,
    artifactService: options.artifactService,
    info: { ...options.info, appName },
    log,
  };

  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    route(request, response).catch((error: unknown) => {
      log(`request ${request.url?.split('?')[0]} failed: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  const route = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://console.invalid');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const asset = assets.files.get(url.pathname);
    if (asset) return sendAsset(response, asset);
    const isPage = url.pathname === '/' || url.pathname === '/index.html';
    if (!isPage && !url.pathname.startsWith('/api/')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (!tokenMatches(token, tokenOf(request, url))) {
      response.writeHead(401, { 'content-type': isPage ? 'text/html; charset=utf-8' : 'application/json' });
      response.end(isPage ? REFUSED_PAGE : JSON.stringify({ error: 'missing or wrong token' }));
      return;
    }
    let userId: string;
    try {
      userId = userOf(url);
    } catch (error) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end((error as Error).message);
      return;
    }
    if (isPage) return sendPage(response, assets);
    await handleApi(api, url, userId, response);
  };

  const bridge = createLiveBridge({
    runner: options.runner,
    path: '/live',
    authenticate(request) {
      const url = new URL(request.url ?? '/', 'http://console.invalid');
      if (!tokenMatches(token, tokenOf(request, url))) throw new Error('missing or wrong token');
      return { userId: userOf(url) };
    },
    runConfig: options.runConfig,
    onError(error, context) {
      log(`conversation ${context.userId ?? '?'}/${context.sessionId ?? '?'}: ${error.message}`);
    },
  });
  server.on('upgrade', (request, socket, head) => {
    if (!bridge.handleUpgrade(request, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    }
  });

  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    server,
    bridge,
    token,
    url: `http://${shownHost}:${port}/?token=${token}`,
    async close() {
      await bridge.close({ timeoutMs: 5_000 });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendAsset(response: ServerResponse, asset: { body: Buffer; type: string }) {
  // Vite names built assets by content hash: they never change under the same name.
  response.writeHead(200, {
    'content-type': asset.type,
    'content-length': asset.body.length,
    'cache-control': 'public, max-age=31536000, immutable',
  });
  response.end(asset.body);
}

function sendPage(response: ServerResponse, assets: ConsoleAssets) {
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': assets.index.length,
    'cache-control': 'no-store',
  });
  response.end(assets.index);
}

/** Listens, or fails with an error whose `code` (EADDRINUSE, EACCES, EADDRNOTAVAIL …) says why. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
