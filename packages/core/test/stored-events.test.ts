import { describe, expect, it } from 'vitest';
import { createEvent, type Event, InMemorySessionService } from '../src/index.js';
import { isJsonExact, StoredEvents } from '../src/services/stored-events.js';

const exact = isJsonExact;

describe('isJsonExact (when an event may be kept as JSON text)', () => {
  it('accepts JSON types only, as they round-trip', () => {
    expect(exact({ a: 'x', b: [1, 2.5, true, null], c: { d: {} } })).toBe(true);
    class Instance {
      field = 1;
    }
    expect(exact(new Instance())).toBe(true);
  });

  it('refuses what JSON would change or drop', () => {
    for (const value of [
      { a: undefined },
      [1, undefined],
      // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
      [1, , 3],
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { n: -0 },
      { d: new Date(0) },
      { m: new Map() },
      { b: 1n },
      { f: () => 1 },
      { t: { toJSON: () => 'x' } },
      JSON.parse('{"__proto__": {"x": 1}}'),
      new Uint8Array(2),
    ]) {
      expect(exact(value)).toBe(false);
    }
  });

  it('gives up on values too deep or too big to walk', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) deep = { deep };
    expect(exact(deep)).toBe(false);
    expect(exact({ list: Array.from({ length: 20_000 }, () => ({})) })).toBe(false);
  });
});

describe('StoredEvents', () => {
  it('returns fresh copies equal to what was stored, text or not, filtered and limited', () => {
    const events = new StoredEvents();
    const plain = createEvent({
      author: 'a',
      timestamp: 10,
      outputTranscription: { text: 'hi', finished: true },
    });
    const odd = {
      ...createEvent({ author: 'a', timestamp: 20 }),
      customMetadata: { when: new Date(5), gone: undefined },
    };
    const later = createEvent({ author: 'a', timestamp: 30, turnComplete: true });
    for (const event of [plain, odd, later]) events.push(event as Event);
    const all = events.read(undefined, undefined);
    expect(all).toStrictEqual([plain, odd, later]);
    expect(all[0]).not.toBe(plain);
    expect(all[1]?.customMetadata?.when).toBeInstanceOf(Date);
    expect(Object.hasOwn(all[1]?.customMetadata ?? {}, 'gone')).toBe(true);
    expect(events.read(15, undefined).map((e) => e.timestamp)).toEqual([20, 30]);
    expect(events.read(undefined, 1).map((e) => e.timestamp)).toEqual([30]);
    expect(events.read(undefined, 0)).toEqual([]);
    // Two reads never share objects.
    const [a, b] = [events.read(undefined, 1)[0], events.read(undefined, 1)[0]];
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
  });

  it('keeps any text exactly across chunk boundaries: multi-byte, lone surrogates, an event bigger than a chunk', () => {
    const events = new StoredEvents();
    const texts = [
      'plain',
      'héllo wörld ✓',
      '音声エージェント',
      '😀 emoji and \u{1F680}',
      'lone \uD800 high and \uDC00 low surrogates',
      'x'.repeat(200 * 1024),
      '"quotes", \\ backslashes, \n newlines and \u0000 nul',
    ];
    const stored: Event[] = [];
    // Enough events that the chunks double several times and fill up at odd offsets.
    for (let i = 0; i < 700; i++) {
      const text = texts[i % texts.length] as string;
      const event = createEvent({ author: 'a', timestamp: i, outputTranscription: { text, finished: true } });
      stored.push(event);
      events.push(event);
    }
    const all = events.read(undefined, undefined);
    expect(all.length).toBe(700);
    for (let i = 0; i < all.length; i++) {
      expect(all[i]).toStrictEqual(JSON.parse(JSON.stringify(stored[i])));
    }
    expect(events.read(690, undefined).map((e) => e.timestamp)).toEqual(
      Array.from({ length: 10 }, (_, i) => 690 + i),
    );
  });

  it('keeps nothing per event on the JS heap once stored as text (off-heap bytes)', () => {
    const events = new StoredEvents();
    const before = process.memoryUsage();
    const text = 'y'.repeat(1000);
    for (let i = 0; i < 5000; i++) {
      events.push(createEvent({ author: 'a', timestamp: i, outputTranscription: { text, finished: true } }));
    }
    const after = process.memoryUsage();
    // ~5 MB of event text went to external memory, not into JS strings.
    expect(after.arrayBuffers - before.arrayBuffers).toBeGreaterThan(5000 * 1000);
    expect(events.read(undefined, 1)[0]?.outputTranscription?.text).toBe(text);
  });

  it('InMemorySessionService reads a long conversation back in order; a reader changes nothing stored', async () => {
    const service = new InMemorySessionService();
    const session = await service.createSession({ appName: 'a', userId: 'u', sessionId: 's' });
    for (let i = 0; i < 200; i++) {
      await service.appendEvent({
        session,
        event: createEvent({ author: 'agent', outputTranscription: { text: `turn ${i}`, finished: true } }),
      });
    }
    const read = await service.getSession({ appName: 'a', userId: 'u', sessionId: 's' });
    expect(read?.events.map((e) => e.outputTranscription?.text)).toEqual(
      Array.from({ length: 200 }, (_, i) => `turn ${i}`),
    );
    const first = read?.events[0] as Event;
    first.actions.stateDelta.x = 1;
    const again = await service.getSession({
      appName: 'a',
      userId: 'u',
      sessionId: 's',
      config: { numRecentEvents: 200 },
    });
    expect(again?.events[0]?.actions.stateDelta).toEqual({});
  });
});
