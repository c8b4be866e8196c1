import { describe, expect, it } from 'vitest';
import { ScriptCacheGate } from '../src/script-cache-gate.js';

const MISS = new Error('NOSCRIPT No matching script');
const isMiss = (error: unknown) => error === MISS;

describe('ScriptCacheGate (sends that throw: a fault a real client does not produce on demand)', () => {
  it('a send that throws instead of rejecting fails its own call and leaves the gate usable', async () => {
    const gate = new ScriptCacheGate(isMiss);
    const sent: string[] = [];
    // The first call loads the script (EVAL); it throws synchronously.
    await expect(
      gate.run(() => {
        throw new Error('boom on eval');
      }),
    ).rejects.toThrow('boom on eval');
    // Now cached: a SHA send that throws synchronously is not counted as in flight forever.
    await expect(
      gate.run(() => {
        throw new Error('boom on sha');
      }),
    ).rejects.toThrow('boom on sha');
    // A cache miss after that is retried only once nothing counts as in flight: had the throwing
    // send been counted and never answered, these two would wait forever.
    let cached = false;
    const call = (name: string) => async (useEval: boolean) => {
      if (useEval) cached = true;
      else if (!cached) throw MISS;
      sent.push(`${name}:${useEval ? 'eval' : 'sha'}`);
      return name;
    };
    expect(await Promise.all([gate.run(call('a')), gate.run(call('b'))])).toEqual(['a', 'b']);
    expect(sent).toEqual(['a:eval', 'b:sha']);
  });
});
