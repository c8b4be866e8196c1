export * from '../protocol.js';
export type { BridgeClientErrorCode } from './errors.js';
export { BridgeClientError } from './errors.js';
export {
  type BridgeClientEvents,
  type BridgeClientState,
  LiveBridgeClient,
  type LiveBridgeClientOptions,
  type ReconnectOptions,
} from './live-bridge-client.js';
