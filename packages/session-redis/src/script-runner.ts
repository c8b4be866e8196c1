import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { DurabilityError, type DurabilityOptions } from './durability.js';

/** What the service needs from a client: a standalone ioredis client or a cluster. */
export type RedisClient = Redis | Cluster;

/** Cluster replies a durable write retries after (the slot moved, is moving, or has no master yet). */
const REDIRECT = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
const DURABLE_ATTEMPTS = 8;

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
   * With `durability`, see `runDurably`.
   */
  async run({
    redis,
    keys,
    args,
    durability,
  }: {
    redis: RedisClient;
    keys: readonly string[];
    args: readonly (string | number)[];
    durability?: DurabilityOptions | undefined;
  }): Promise<unknown> {
    if (durability) return this.runDurably(redis, keys, args, durability);
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /**
   * The script and `WAIT replicas timeoutMs` in one pipeline: on a cluster every key of the
   * script shares a slot, so ioredis sends both to that slot's master on one connection, and
   * WAIT counts exactly the replicas that acknowledged this write. ioredis does not follow a
   * redirect in a pipeline holding a WAIT, so we do: refresh the slot map and send again
   * (every script is idempotent, so a resend never applies twice). Too few replicas in time
   * is a `DurabilityError` (the write is on the master; retrying the call is safe).
   */
  private async runDurably(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
    { replicas, timeoutMs }: DurabilityOptions,
  ): Promise<unknown> {
    let useEval = false;
    for (let attempt = 1; ; attempt++) {
      const pipeline = redis.pipeline();
      if (useEval) pipeline.eval(this.source, keys.length, ...keys, ...args);
      else pipeline.evalsha(this.sha, keys.length, ...keys, ...args);
      pipeline.wait(replicas, timeoutMs);
      const results = (await pipeline.exec()) ?? [];
      const [scriptError, reply] = results[0] ?? [new Error('empty pipeline reply'), undefined];
      const [waitError, acknowledged] = results[1] ?? [new Error('no WAIT reply'), undefined];
      if (scriptError) {
        if (!useEval && isNoScript(scriptError)) {
          useEval = true;
          continue;
        }
        if (REDIRECT.test(scriptError.message) && attempt < DURABLE_ATTEMPTS && isCluster(redis)) {
          await refreshSlots(redis);
          await sleep(Math.min(50 * 2 ** (attempt - 1), 1000));
          continue;
        }
        throw scriptError;
      }
      if (waitError) throw waitError;
      const count = Number(acknowledged);
      if (!(count >= replicas)) throw new DurabilityError({ acknowledged: count, replicas, timeoutMs });
      return reply;
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

function isCluster(redis: RedisClient): redis is Cluster {
  return (redis as { isCluster?: boolean }).isCluster === true;
}

function refreshSlots(cluster: Cluster): Promise<void> {
  return new Promise((resolve) => cluster.refreshSlotsCache(() => resolve()));
}
