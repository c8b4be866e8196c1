import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { DurabilityError, type DurabilityOptions } from './durability.js';
import { ScriptCacheGate } from './script-cache-gate.js';

/** What the service needs from a client: a standalone ioredis client or a cluster. */
export type RedisClient = Redis | Cluster;

/** Cluster replies a durable write retries after (the slot moved, is moving, or has no master yet). */
const REDIRECT = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
const DURABLE_ATTEMPTS = 8;

interface ScriptCall {
  redis: RedisClient;
  keys: readonly string[];
  args: readonly (string | number)[];
  durability?: DurabilityOptions | undefined;
}

/**
 * A Lua script called by SHA (EVALSHA). When the server's script cache is empty (a fresh
 * server, a restart, a failover, SCRIPT FLUSH) the call is run with EVAL, which also caches it,
 * and the calls around it keep their order: see `ScriptCacheGate`.
 */
export class LuaScript {
  readonly sha: string;
  /** One gate per client: the order that matters is the order calls go out on its connections. */
  private readonly gates = new WeakMap<RedisClient, ScriptCacheGate>();

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script. With `durability`, the script travels with a `WAIT` (see `runDurably`). */
  run(call: ScriptCall): Promise<unknown> {
    let gate = this.gates.get(call.redis);
    if (!gate) {
      gate = new ScriptCacheGate(isNoScript);
      this.gates.set(call.redis, gate);
    }
    return gate.run((useEval) => this.send(call, useEval));
  }

  private send({ redis, keys, args, durability }: ScriptCall, useEval: boolean): Promise<unknown> {
    if (durability) return this.runDurably(redis, keys, args, durability, useEval);
    return useEval
      ? redis.eval(this.source, keys.length, ...keys, ...args)
      : redis.evalsha(this.sha, keys.length, ...keys, ...args);
  }

  /**
   * The script and `WAIT replicas timeoutMs` in one pipeline: on a cluster every key of the
   * script shares a slot, so ioredis sends both to that slot's master on one connection, and
   * WAIT counts exactly the replicas that acknowledged this write. ioredis does not follow a
   * redirect in a pipeline holding a WAIT, so we do: refresh the slot map and send again
   * (every script is idempotent, so a resend never applies twice). Too few replicas in time
   * is a `DurabilityError` (the write is on the master; retrying the call is safe). A NOSCRIPT
   * reply is thrown to the gate, which sends the call again with EVAL.
   */
  private async runDurably(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
    { replicas, timeoutMs }: DurabilityOptions,
    useEval: boolean,
  ): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const pipeline = redis.pipeline();
      if (useEval) pipeline.eval(this.source, keys.length, ...keys, ...args);
      else pipeline.evalsha(this.sha, keys.length, ...keys, ...args);
      pipeline.wait(replicas, timeoutMs);
      const results = (await pipeline.exec()) ?? [];
      const [scriptError, reply] = results[0] ?? [new Error('empty pipeline reply'), undefined];
      const [waitError, acknowledged] = results[1] ?? [new Error('no WAIT reply'), undefined];
      if (scriptError) {
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
