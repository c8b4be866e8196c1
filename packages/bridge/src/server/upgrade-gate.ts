import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export type AllowedOrigins =
  | readonly string[]
  | ((origin: string | undefined, request: IncomingMessage) => boolean);

/**
 * Whether the upgrade's Origin may open a socket. A list holds exact origins
 * (`https://app.example.com`); without one, only the same origin is allowed: the Origin's host
 * must equal the Host header. No Origin header at all (a non-browser client) passes the
 * same-origin default and a list, since only browsers send one and only browsers need this check.
 */
export function originAllowed(request: IncomingMessage, allowed: AllowedOrigins | undefined): boolean {
  const origin = request.headers.origin;
  if (typeof allowed === 'function') return allowed(origin, request) === true;
  if (origin === undefined) return true;
  if (allowed !== undefined) return allowed.includes(origin);
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** Answers an upgrade with a plain HTTP error and closes the socket (no WebSocket is opened). */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  // The peer of a refused upgrade may reset the connection: nothing is left to lose then.
  socket.on('error', () => {});
  const body = `${message}\n`;
  const reason = STATUS_TEXT[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // A peer that never reads must not keep the socket: destroy once the answer is written.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  503: 'Service Unavailable',
};
