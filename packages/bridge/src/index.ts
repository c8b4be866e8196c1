export * from './protocol.js';
export { BridgeLimitError, BridgeProtocolError } from './server/errors.js';
export { type BridgeLimits, DEFAULT_BRIDGE_LIMITS } from './server/limits.js';
export { createLiveBridge, type LiveBridge, type LiveBridgeOptions } from './server/live-bridge.js';
export { BRIDGE_TELEMETRY_NAMES, type BridgeTelemetryOptions } from './server/telemetry.js';
export type { AllowedOrigins } from './server/upgrade-gate.js';
export { toWireEvent } from './server/wire-event.js';
