import type { ServerResponse } from 'node:http';
import {
  type ArtifactService,
  EarshotError,
  InvalidArgumentError,
  type SessionService,
  validateId,
} from '@earshot/core';
import type { ConsoleInfo, SessionDetail, SessionList } from '../console-api.js';

export interface ApiContext {
  appName: string;
  sessionService: SessionService;
  artifactService: ArtifactService;
  info: Omit<ConsoleInfo, 'userId'>;
  log: (line: string) => void;
}

/** The session list is bounded: the most recently updated first. */
export const MAX_LISTED_SESSIONS = 100;
/** A recording larger than this is not served (an hour of 16 kHz mono PCM16 is ~115 MB). */
export const MAX_SERVED_ARTIFACT_BYTES = 256 * 1024 * 1024;

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(json),
  });
  response.end(json);
}

/**
 * `GET /api/info`, `/api/sessions`, `/api/sessions/{id}` (state + artifact keys) and
 * `/api/artifact?session=ID&file=NAME[&version=N]` (the bytes, with their MIME type), all for
 * the request's user. The caller has checked the token.
 */
export async function handleApi(
  ctx: ApiContext,
  url: URL,
  userId: string,
  response: ServerResponse,
): Promise<void> {
  const { appName } = ctx;
  try {
    const path = url.pathname;
    if (path === '/api/info') return sendJson(response, 200, { ...ctx.info, userId } satisfies ConsoleInfo);
    if (path === '/api/sessions') {
      const { sessions } = await ctx.sessionService.listSessions({ appName, userId });
      const listed = [...sessions]
        .sort((a, b) => b.lastUpdateTime - a.lastUpdateTime)
        .slice(0, MAX_LISTED_SESSIONS)
        .map((s) => ({ id: s.id, lastUpdateTime: s.lastUpdateTime }));
      const body: SessionList = { sessions: listed, truncated: sessions.length > listed.length };
      return sendJson(response, 200, body);
    }
    const sessionMatch = /^\/api\/sessions\/([^/]+)$/.exec(path);
    if (sessionMatch) {
      const sessionId = validateId('session', decodeSegment(sessionMatch[1] as string));
      const key = { appName, userId, sessionId };
      const session = await ctx.sessionService.getSession({ ...key, config: { numRecentEvents: 0 } });
      if (!session) return sendJson(response, 404, { error: `no session "${sessionId}"` });
      const artifacts = await ctx.artifactService.listArtifactKeys(key);
      const body: SessionDetail = {
        id: session.id,
        userId,
        state: session.state,
        lastUpdateTime: session.lastUpdateTime,
        artifacts,
      };
      return sendJson(response, 200, body);
    }
    if (path === '/api/artifact') return await sendArtifact(ctx, url, userId, response);
    sendJson(response, 404, { error: `no route ${path}` });
  } catch (error) {
    if (error instanceof InvalidArgumentError) return sendJson(response, 400, { error: error.message });
    ctx.log(`api ${url.pathname} for ${userId} failed: ${(error as Error).message}`);
    const code = error instanceof EarshotError ? error.code : 'INTERNAL';
    if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message, code });
    else response.destroy();
  }
}

async function sendArtifact(ctx: ApiContext, url: URL, userId: string, response: ServerResponse) {
  const sessionId = validateId('session', url.searchParams.get('session') ?? '');
  const filename = url.searchParams.get('file') ?? '';
  const versionText = url.searchParams.get('version');
  if (versionText !== null && !/^\d+$/.test(versionText)) {
    throw new InvalidArgumentError('version must be a non-negative integer', { field: 'version' });
  }
  const part = await ctx.artifactService.loadArtifact({
    appName: ctx.appName,
    userId,
    sessionId,
    filename,
    ...(versionText === null ? {} : { version: Number(versionText) }),
  });
  const data = part?.inlineData?.data;
  if (data === undefined) return sendJson(response, 404, { error: `no artifact "${filename}"` });
  if ((data.length * 3) / 4 > MAX_SERVED_ARTIFACT_BYTES) {
    return sendJson(response, 413, {
      error: `artifact "${filename}" is over ${MAX_SERVED_ARTIFACT_BYTES} bytes`,
    });
  }
  const bytes = Buffer.from(data, 'base64');
  response.writeHead(200, {
    'content-type': part?.inlineData?.mimeType ?? 'application/octet-stream',
    'content-length': bytes.length,
    'cache-control': 'private, max-age=3600',
  });
  response.end(bytes);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidArgumentError('the session id is not valid percent-encoding', { field: 'session' });
  }
}
