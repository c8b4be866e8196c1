import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';

/**
 * Test-only HTTP proxy that adds S3 conditional writes to an S3-compatible server that
 * ignores them (s3rver). For `PutObject` and `CompleteMultipartUpload` carrying
 * `If-None-Match: *` or `If-Match`, it serializes requests per object, asks the upstream
 * whether the object exists (anonymous `HEAD`), and answers `412 PreconditionFailed` (or
 * `404 NoSuchKey` for `If-Match` on a missing object) itself, the way AWS S3 does. Every
 * other request passes through untouched. Path-style addressing only.
 *
 * Production stores (AWS S3, MinIO, R2, GCS XML API) enforce these headers themselves.
 * The upstream must accept anonymous HEAD and must not check the signed `Host` header
 * (s3rver does neither).
 */
export interface S3ConditionalWriteGate {
  /** `http://127.0.0.1:<port>`: point the S3 client here instead of at the upstream. */
  endpoint: string;
  /** Conditional writes answered 412/404 by the gate so far. */
  readonly rejected: number;
  close(): Promise<void>;
}

export interface S3ConditionalWriteGateOptions {
  /** The real server, e.g. `http://127.0.0.1:4568`. */
  upstream: string;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

export async function startS3ConditionalWriteGate({
  upstream,
}: S3ConditionalWriteGateOptions): Promise<S3ConditionalWriteGate> {
  const target = new URL(upstream);
  if (target.protocol !== 'http:') throw new Error(`upstream must be an http:// URL, got ${upstream}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const locks = new Map<string, Promise<void>>();
  let rejected = 0;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 502, 'BadGateway', `s3 gate: ${String(error)}`);
      else res.destroy();
      req.resume();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gate');
    const ifNoneMatch = header(req.headers, 'if-none-match');
    const ifMatch = header(req.headers, 'if-match');
    const isPut =
      req.method === 'PUT' &&
      !url.searchParams.has('partNumber') &&
      header(req.headers, 'x-amz-copy-source') === undefined;
    const isComplete = req.method === 'POST' && url.searchParams.has('uploadId');
    const objectPath = /^\/[^/]+\/.+$/.test(url.pathname) ? url.pathname : undefined;
    if (!(isPut || isComplete) || (ifNoneMatch === undefined && ifMatch === undefined) || !objectPath) {
      await forward(req, res);
      return;
    }
    const id = canonicalPath(objectPath);
    // Per-object lock: the existence check and the write happen as one step.
    const previous = locks.get(id) ?? Promise.resolve();
    let release = () => {};
    const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    locks.set(id, mine);
    await previous;
    try {
      const etag = await headEtag(id);
      if (ifMatch !== undefined && etag === undefined) {
        rejected++;
        req.resume();
        sendError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        return;
      }
      const failed =
        (ifNoneMatch === '*' && etag !== undefined) ||
        (ifMatch !== undefined && ifMatch !== '*' && unquote(ifMatch) !== unquote(etag ?? ''));
      if (failed) {
        rejected++;
        req.resume();
        sendError(
          res,
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
        return;
      }
      await forward(req, res);
    } finally {
      release();
      if (locks.get(id) === mine) locks.delete(id);
    }
  }

  /** The ETag of the object, or `undefined` when it does not exist. */
  async function headEtag(path: string): Promise<string | undefined> {
    const res = await request({ method: 'HEAD', path, headers: {} });
    res.resume();
    await finished(res);
    if (res.statusCode === 404) return undefined;
    if (res.statusCode === 200) return header(res.headers, 'etag') ?? '""';
    throw new Error(`upstream HEAD ${path} answered ${res.statusCode}`);
  }

  /** Streams the request to the upstream and the answer back; resolves when the answer is complete. */
  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const upstreamReq = http.request({
      agent,
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
    });
    req.pipe(upstreamReq);
    // A client that goes away mid-body must not leave the upstream waiting for the rest.
    req.on('close', () => {
      if (!req.complete) upstreamReq.destroy(new Error('client went away mid-request'));
    });
    const [upstreamRes] = (await once(upstreamReq, 'response')) as [IncomingMessage];
    const outHeaders: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstreamRes.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) outHeaders[name] = value;
    }
    res.writeHead(upstreamRes.statusCode ?? 502, outHeaders);
    upstreamRes.pipe(res);
    await finished(upstreamRes);
  }

  function request(options: {
    method: string;
    path: string;
    headers: Record<string, string>;
  }): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const r = http.request({ agent, host: target.hostname, port: target.port, ...options }, resolve);
      r.on('error', reject);
      r.end();
    });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get rejected() {
      return rejected;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replaceAll('"', '');
}

/** One spelling per object, whatever a client chose to percent-encode. */
function canonicalPath(path: string): string {
  const segments = path.split('/').map((segment) => {
    try {
      return encodeURIComponent(decodeURIComponent(segment));
    } catch {
      return segment;
    }
  });
  return segments.join('/');
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
