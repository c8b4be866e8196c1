import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A new random access token: 24 bytes, base64url (32 characters). */
export function createAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The token a request carries: the `token` query parameter (page, WebSocket, recordings) or an
 * `Authorization: Bearer` header (the page's API calls).
 */
export function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  return url.searchParams.get('token') ?? undefined;
}

/** Compares in constant time, so the response time says nothing about how much of a guess was right. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
