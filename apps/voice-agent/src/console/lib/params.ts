/** What the page's URL says: `?token=T[&session=ID][&user=U]`. */
export interface PageParams {
  token: string;
  sessionId: string | undefined;
  user: string | undefined;
}

export function readParams(search = location.search): PageParams {
  const query = new URLSearchParams(search);
  return {
    token: query.get('token') ?? '',
    sessionId: query.get('session') || undefined,
    user: query.get('user') || undefined,
  };
}

/** The page URL for a session (none: a new session). */
export function pageUrl(params: PageParams, sessionId: string | undefined): string {
  const query = new URLSearchParams({ token: params.token });
  if (params.user) query.set('user', params.user);
  if (sessionId) query.set('session', sessionId);
  return `/?${query}`;
}

/** The bridge's WebSocket URL: `/live?token=T[&user=U]` (the client adds `session`). */
export function liveUrl(params: PageParams): string {
  const query = new URLSearchParams({ token: params.token });
  if (params.user) query.set('user', params.user);
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/live?${query}`;
}

/** An `/api/…` URL with the user and, for media elements that cannot send headers, the token. */
export function apiUrl(params: PageParams, path: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ ...extra, token: params.token });
  if (params.user) query.set('user', params.user);
  return `${path}?${query}`;
}
