import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** What the service needs from a client: a standalone ioredis client or a cluster. */
export type RedisClient = Redis | Cluster;

/** A Lua script called by SHA (EVALSHA), loaded with EVAL on the first NOSCRIPT reply. */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script. After a server restart or SCRIPT FLUSH the cache is empty; EVAL then
   * both runs and re-caches it. A script that got NOSCRIPT did not run, so the retry is safe.
   */
  async run({
    redis,
    keys,
    args,
  }: {
    redis: RedisClient;
    keys: readonly string[];
    args: readonly (string | number)[];
  }): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
