export { keysAndMemory, type ScannableNode } from './key-spread.js';
export * from './redis-cluster.js';
export { type RedisServerHandle, type StartRedisServerOptions, startRedisServer } from './redis-server.js';
