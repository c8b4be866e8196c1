export { decodeSegment, encodeSegment, KeySchema, type SessionKeys, type UserKeys } from './keys.js';
export {
  createRedisSessionService,
  RedisSessionService,
  type RedisSessionServiceOptions,
} from './redis-session-service.js';
export type { RedisClient } from './script-runner.js';
