import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../src/run/async-queue.js';

describe('AsyncQueue (ring buffer)', () => {
  it('keeps FIFO order across wrap-around and growth', () => {
    const queue = new AsyncQueue<number>();
    const out: number[] = [];
    let next = 0;
    // Uneven push/take runs make the head wrap at every capacity (8, 16, 32, ...).
    for (let round = 0; round < 200; round++) {
      const pushes = (round * 7) % 23;
      const takes = (round * 5) % 19;
      for (let i = 0; i < pushes; i++) queue.push(next++);
      for (let i = 0; i < takes; i++) {
        const item = queue.tryTake();
        if (item === undefined) break;
        out.push(item);
      }
    }
    out.push(...queue.drain());
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(queue.size).toBe(0);
  });

  it('grows past a burst, gives the ring back once empty, and keeps working', () => {
    const queue = new AsyncQueue<number>();
    for (let i = 0; i < 5000; i++) queue.push(i);
    expect(queue.size).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(queue.tryTake()).toBe(i);
    expect(queue.size).toBe(0);
    expect(queue.tryTake()).toBeUndefined();
    for (let i = 0; i < 20; i++) queue.push(i);
    expect(queue.drain()).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('hands a pushed item to a waiting take, then the queued ones in order', async () => {
    const queue = new AsyncQueue<string>();
    const waiting = queue.take();
    queue.push('a');
    queue.push('b');
    queue.push('c');
    await expect(waiting).resolves.toEqual({ done: false, value: 'a' });
    await expect(queue.take()).resolves.toEqual({ done: false, value: 'b' });
    queue.close();
    await expect(queue.take()).resolves.toEqual({ done: false, value: 'c' });
    await expect(queue.take()).resolves.toEqual({ done: true, value: undefined });
    expect(queue.push('late')).toBe(false);
  });

  it('an aborted take loses nothing; a failed queue throws once drained', async () => {
    const queue = new AsyncQueue<number>();
    const abort = new AbortController();
    const taking = queue.take(abort.signal);
    abort.abort(new Error('gave up'));
    await expect(taking).rejects.toThrow('gave up');
    queue.push(1);
    queue.fail(new Error('broken'));
    await expect(queue.take()).resolves.toEqual({ done: false, value: 1 });
    await expect(queue.take()).rejects.toThrow('broken');
  });

  it('a failed queue keeps throwing; with failOnce it throws to one take (waiting or not) and then reads as ended', async () => {
    const sticky = new AsyncQueue<number>();
    sticky.fail(new Error('broken'));
    await expect(sticky.take()).rejects.toThrow('broken');
    await expect(sticky.take()).rejects.toThrow('broken');

    const once = new AsyncQueue<number>({ failOnce: true });
    const first = once.take();
    const second = once.take();
    once.fail(new Error('broken'));
    await expect(first).rejects.toThrow('broken');
    await expect(second).resolves.toEqual({ done: true, value: undefined });
    await expect(once.take()).resolves.toEqual({ done: true, value: undefined });

    const later = new AsyncQueue<number>({ failOnce: true });
    later.fail(new Error('broken'));
    await expect(later.take()).rejects.toThrow('broken');
    await expect(later.take()).resolves.toEqual({ done: true, value: undefined });
  });
});
