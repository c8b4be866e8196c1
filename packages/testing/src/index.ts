export * from './browser/index.js';
export * from './live/index.js';
export * from './redis/index.js';
export * from './s3/index.js';
