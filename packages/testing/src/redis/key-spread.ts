/** The two ioredis calls `keysAndMemory` needs (a `Redis` node of a cluster has them). */
export interface ScannableNode {
  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    n: number,
  ): Promise<[string, string[]]>;
  pipeline(): {
    memory(subcommand: 'USAGE', key: string): unknown;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
}

/**
 * How many keys under `prefix` one node holds and the bytes `MEMORY USAGE` reports for them
 * (SCAN, never KEYS; one pipeline per SCAN batch). For spread checks across cluster masters.
 */
export async function keysAndMemory(
  node: ScannableNode,
  prefix: string,
): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys += batch.length;
    const pipeline = node.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key);
    for (const [, used] of (await pipeline.exec()) ?? []) bytes += Number(used ?? 0);
  } while (cursor !== '0');
  return { keys, bytes };
}
