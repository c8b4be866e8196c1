import { isUserScopedFilename } from '@earshot/core';

export interface ArtifactReference {
  appName: string;
  userId: string;
  /** Absent for user-scoped (`user:`) filenames. */
  sessionId?: string;
  filename: string;
  version: number;
}

const SCHEME = 'artifact://';

/**
 * The `fileUri` of a recording: `artifact://apps/{app}/users/{user}/sessions/{session}/artifacts/{filename}/versions/{v}`
 * (no `sessions/{session}` part for `user:` filenames). Every id and the filename are one
 * percent-encoded segment each (a `/` in the filename becomes `%2F`), so the URI always parses
 * back to exactly the same reference.
 */
export function artifactUri({ appName, userId, sessionId, filename, version }: ArtifactReference): string {
  const e = encodeURIComponent;
  const session =
    isUserScopedFilename(filename) || sessionId === undefined ? '' : `/sessions/${e(sessionId)}`;
  return `${SCHEME}apps/${e(appName)}/users/${e(userId)}${session}/artifacts/${e(filename)}/versions/${version}`;
}

/** Reads back a URI made by {@link artifactUri}; `undefined` for anything else. */
export function parseArtifactUri(uri: string): ArtifactReference | undefined {
  if (!uri.startsWith(SCHEME)) return undefined;
  const parts = uri.slice(SCHEME.length).split('/');
  const withSession = parts.length === 10;
  if (!withSession && parts.length !== 8) return undefined;
  const expected = withSession
    ? ['apps', 'users', 'sessions', 'artifacts', 'versions']
    : ['apps', 'users', 'artifacts', 'versions'];
  for (let i = 0; i < expected.length; i++) if (parts[i * 2] !== expected[i]) return undefined;
  const at = (i: number) => decodeURIComponent(parts[i] ?? '');
  const versionText = parts[parts.length - 1] ?? '';
  if (!/^\d+$/.test(versionText)) return undefined;
  try {
    return {
      appName: at(1),
      userId: at(3),
      ...(withSession ? { sessionId: at(5) } : {}),
      filename: at(parts.length - 3),
      version: Number(versionText),
    };
  } catch {
    return undefined; // malformed percent-encoding
  }
}
