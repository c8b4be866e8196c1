import type { GoogleGenAI } from '@google/genai';

/*
 * @google/genai 2.x parses every server frame inside a fire-and-forget promise: a frame that is
 * not JSON becomes an unhandled rejection (which kills Node), and `connect()` gives no handle on
 * the socket until setup completes, so a hung handshake cannot be closed. This module wraps the
 * client's WebSocket factory (an SDK internal, checked at runtime) so that, for connections
 * opened by GeminiLiveModel only, malformed frames are diverted to the runner and the socket is
 * reachable from the start. Other users of the same client are passed through untouched.
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
          const problem = describeMalformedFrame(event.data);
          if (problem === undefined) callbacks.onmessage(event);
          else hooks.onMalformedFrame(problem);
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

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Undefined when the frame is a JSON object (what the SDK can handle); else why it is not. */
export function describeMalformedFrame(data: unknown): string | undefined {
  let text: string;
  try {
    if (typeof data === 'string') text = data;
    else if (data instanceof ArrayBuffer) text = decoder.decode(data);
    else if (ArrayBuffer.isView(data))
      text = decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else return undefined; // a browser Blob: cannot check synchronously, let the SDK handle it
  } catch {
    return 'server frame is not valid UTF-8';
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `server frame is not JSON: ${JSON.stringify(text.slice(0, 80))}`;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return `server frame is not a JSON object: ${JSON.stringify(text.slice(0, 80))}`;
  }
  return undefined;
}
