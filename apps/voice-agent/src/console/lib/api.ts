import type { ConsoleInfo, SessionDetail, SessionList } from '../../console-api.js';
import { apiUrl, type PageParams } from './params.js';

export type { ConsoleInfo, SessionDetail, SessionSummary } from '../../console-api.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(params: PageParams, path: string): Promise<T> {
  const response = await fetch(apiUrl(params, path), {
    headers: { authorization: `Bearer ${params.token}` },
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new ApiError(response.status, body.error ?? `${path}: HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

export const api = {
  info: (params: PageParams) => getJson<ConsoleInfo>(params, '/api/info'),
  sessions: (params: PageParams) => getJson<SessionList>(params, '/api/sessions'),
  session: (params: PageParams, id: string) =>
    getJson<SessionDetail>(params, `/api/sessions/${encodeURIComponent(id)}`),
  artifactUrl: (params: PageParams, sessionId: string, file: string) =>
    apiUrl(params, '/api/artifact', { session: sessionId, file }),
};
