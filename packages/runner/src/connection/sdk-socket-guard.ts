import type { GoogleGenAI } from '@google/genai';

/*
 * @google/genai 2.x parses every server frame inside a fire-and-forget promise: a frame that is
 * not JSON becomes an unhandled rejection (which kills Node), and `connect()` gives no handle on
 * the socket until setup completes, so a hung handshake cannot be closed. This module wraps the
 * client's WebSocket factory (an SDK internal, checked at runtime) so that, for connections
 * opened by GeminiLiveModel only, frames are parsed once here: malformed ones are diverted to
 * the runner, well-formed ones after setup go straight to it (in Gemini API mode the SDK would
 * only JSON.parse them again and copy the fields), and the socket is reachable from the start.
 * Other users of the same client are passed through untouched.
 */

/** The SDK's socket wrapper (`NodeWebSocket`); `ws` is the underlying `ws` WebSocket once connected. */
export interface SdkSocket {
  send(message: string): void;
  close(): void;
  ws?: { readyState?: number; terminate?: () => void };
}

interface SdkSocketCallbacks {
  onopen: () => void;
  onerror: (event: unknown) => void;
  onmessage: (event: { data?: unknown }) => void;
  onclose: (event: unknown) => void;
}

interface SdkSocketFactory {
  supportsHeaders?: boolean;
  create(url: string, headers: Record<string, string>, callbacks: SdkSocketCallbacks): SdkSocket;
}

/** What one guarded connection wants to hear about. */
export interface SocketGuardHooks {
  onSocket(socket: SdkSocket): void;
  onMalformedFrame(description: string): void;
  /**
   * A well-formed frame, already parsed: return true to take it (the SDK then never sees it),
   * false to let the SDK parse and deliver it as usual (needed until its setup completed).
   */
  onParsedFrame(message: Record<string, unknown>): boolean;
}

// Keyed by the `onerror` callback: the SDK passes the caller's `onerror` to the factory as is,
// which makes it the one stable identity shared by `connect()`'s arguments and the factory call.
const hooksByErrorCallback = new WeakMap<object, SocketGuardHooks>();
const guardedFactories = new WeakSet<object>();

function isSocketFactory(value: unknown): value is SdkSocketFactory {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'create') === 'function';
}

/** Wraps the client's socket factory once; returns false if this SDK build has no such internal. */
export function installSocketGuard(client: GoogleGenAI): boolean {
  const live: object = client.live;
  const factory: unknown = Reflect.get(live, 'webSocketFactory');
  if (!isSocketFactory(factory)) return false;
  if (guardedFactories.has(factory)) return true;
  const guarded: SdkSocketFactory = {
    supportsHeaders: factory.supportsHeaders,
    create(url, headers, callbacks) {
      const hooks = hooksByErrorCallback.get(callbacks.onerror);
      if (!hooks) return factory.create(url, headers, callbacks);
      const socket = factory.create(url, headers, {
        ...callbacks,
        onmessage: (event) => {
          const frame = parseFrame(event.data);
          if (typeof frame === 'string') hooks.onMalformedFrame(frame);
          else if (frame === undefined || !hooks.onParsedFrame(frame)) callbacks.onmessage(event);
        },
      });
      hooks.onSocket(socket);
      return socket;
    },
  };
  guardedFactories.add(guarded);
  Reflect.set(live, 'webSocketFactory', guarded);
  return true;
}

/** Routes the guarded connection whose `onerror` callback is `onerror` to `hooks`. */
export function registerSocketGuardHooks(onerror: (event: unknown) => void, hooks: SocketGuardHooks): void {
  hooksByErrorCallback.set(onerror, hooks);
}

const decoder = new TextDecoder('utf-8');

/**
 * The frame as a JSON object, or a string saying why it is not one (what would make the SDK's
 * own JSON.parse throw), or undefined when it cannot be read synchronously (a browser Blob).
 */
export function parseFrame(data: unknown): Record<string, unknown> | string | undefined {
  let text: string;
  // Decoded leniently, as the SDK does: only what would make its JSON.parse throw matters here.
  if (typeof data === 'string') text = data;
  else if (Buffer.isBuffer(data)) text = data.toString('utf8');
  else if (data instanceof ArrayBuffer) text = decoder.decode(data);
  else if (ArrayBuffer.isView(data))
    text = decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  else return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `server frame is not JSON: ${JSON.stringify(text.slice(0, 80))}`;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return `server frame is not a JSON object: ${JSON.stringify(text.slice(0, 80))}`;
  }
  return parsed as Record<string, unknown>;
}
