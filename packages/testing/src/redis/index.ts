export * from './redis-cluster.js';
export { type RedisServerHandle, type StartRedisServerOptions, startRedisServer } from './redis-server.js';
