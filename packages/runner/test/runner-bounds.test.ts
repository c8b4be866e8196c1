import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { liveServerFrames as frames } from '@earshot/testing';
import { describe, expect, it } from 'vitest';
import { TRUNCATED_METADATA_KEY } from '../src/run/message-mapper.js';
import { DEFAULT_MAX_TURN_TEXT_CHARS } from '../src/run/transcription-accumulator.js';
import { kindOf } from './helpers/collect.js';
import { startScriptedRun } from './helpers/fixture.js';
import { waitUntil } from './helpers/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
};
const MB = 1024 * 1024;

describe('per-run accumulators are bounded', () => {
  it('200 × 1 MB output-transcription deltas with no finished: heap stays flat, the final is cut and marked', async () => {
    const { conn, queue, run, stored } = await startScriptedRun();
    // Consume without keeping anything (the test's own collector would hold every delta).
    let partials = 0;
    run.events.length = 0;
    const before = heapUsed();
    let peak = 0;
    for (let i = 0; i < 200; i++) {
      // Distinct flat strings, as JSON.parse makes them (`repeat` builds a shared rope that proves nothing).
      const delta = JSON.parse(`"${String.fromCharCode(97 + (i % 26)).repeat(MB)}"`) as string;
      conn.receive(frames.outputTranscription(delta));
      await waitUntil(() => run.events.length > 0, { what: `delta ${i}` });
      partials += run.events.filter((e) => e.partial).length;
      run.events.length = 0;
      if (i % 20 === 19) peak = Math.max(peak, heapUsed() - before);
    }
    const grown = heapUsed() - before;
    conn.receive(frames.turnComplete());
    await waitUntil(() => run.events.some((e) => e.turnComplete));
    queue.close();
    expect(await run.done).toEqual({ error: undefined });
    expect(partials).toBe(200);
    console.log(
      `1 MB-delta flood: heap +${(grown / MB).toFixed(1)} MB after, peak +${(peak / MB).toFixed(1)} MB`,
    );
    // Documented bound: 64 Ki characters per accumulator; the rest of the margin is GC noise.
    expect(peak).toBeLessThan(24 * MB);
    const events = await stored();
    expect(events.map(kindOf).map((k) => k.slice(0, 4))).toEqual(['out:', 'turn']);
    const [final] = events;
    expect(final?.outputTranscription?.text?.length).toBe(DEFAULT_MAX_TURN_TEXT_CHARS);
    expect(final?.customMetadata?.[TRUNCATED_METADATA_KEY]).toBe(true);
  }, 120_000);

  it('model text past the bound: one final cut at the bound and marked, the rest of the turn only streamed', async () => {
    const { conn, queue, run, stored } = await startScriptedRun();
    const chunk = 'x'.repeat(40_000);
    conn.receive(frames.text(chunk), frames.text(chunk), frames.text(chunk), frames.turnComplete());
    await run.waitFor((e) => e.turnComplete === true);
    queue.close();
    await run.done;
    const texts = (await stored()).filter((e) => e.content?.parts?.[0]?.text !== undefined);
    expect(texts.map((e) => e.content?.parts?.[0]?.text?.length)).toEqual([DEFAULT_MAX_TURN_TEXT_CHARS]);
    expect(texts[0]?.customMetadata?.[TRUNCATED_METADATA_KEY]).toBe(true);
    expect(run.events.filter((e) => e.partial).length).toBe(3);
  });

  it('an input transcription that finishes below the bound is whole and not marked', async () => {
    const { conn, queue, run, stored } = await startScriptedRun();
    conn.receive(frames.inputTranscription('hello '), frames.inputTranscription('there', true));
    await run.waitFor((e) => e.inputTranscription?.finished === true && !e.partial);
    queue.close();
    await run.done;
    const [final] = await stored();
    expect(final?.inputTranscription).toEqual({ text: 'hello there', finished: true });
    expect(final?.customMetadata).toBeUndefined();
  });
});
