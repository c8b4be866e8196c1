export { DurabilityError, type DurabilityOptions } from './durability.js';
export {
  type AppKeys,
  decodeSegment,
  encodeSegment,
  KeySchema,
  LAYOUT_VERSION,
  type SessionKeys,
  type UserKeys,
} from './keys.js';
export {
  APP_DELTA_RETRY_WINDOW_MS,
  createRedisSessionService,
  RedisSessionService,
  type RedisSessionServiceOptions,
} from './redis-session-service.js';
export type { RedisClient } from './script-runner.js';
export type { RedisTelemetryOptions } from './telemetry.js';
