import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '@earshot/core';
import type { Runner } from '@earshot/runner';
import { attachVoiceBridge, type VoiceBridge } from './bridge.js';

const PAGE = fileURLToPath(new URL('../public/index.html', import.meta.url));

export interface VoiceAgentServer {
  server: Server;
  bridge: VoiceBridge;
  url: string;
  close(): Promise<void>;
}

/** Serves the page at `/` and the live bridge at `/live`, on 127.0.0.1 unless told otherwise. */
export async function startVoiceAgentServer(options: {
  runner: Runner;
  port?: number;
  host?: string;
  runConfig?: Partial<RunConfig>;
}): Promise<VoiceAgentServer> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && (request.url === '/' || request.url === '/index.html')) {
      readFile(PAGE)
        .then((html) => {
          response.writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
          });
          response.end(html);
        })
        .catch(() => {
          response.writeHead(500).end('page missing');
        });
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  const bridge = attachVoiceBridge({ server, runner: options.runner, runConfig: options.runConfig });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    server,
    bridge,
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
    async close() {
      await bridge.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
