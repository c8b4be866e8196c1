import { createEvent, type Event } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../src/run/async-queue.js';
import { LiveEventStream, type OpenedRun } from '../src/run/live-event-stream.js';

const event = (n: number) => createEvent({ author: 'a', id: `e${n}` });

function fakeRun() {
  const output = new AsyncQueue<Event>({ failOnce: true });
  const run = {
    output,
    stops: 0,
    async stop() {
      run.stops += 1;
      output.close();
    },
  };
  return run;
}

describe('LiveEventStream (what runLive returns)', () => {
  it('starts nothing before the first next(), then reads the events and ends', async () => {
    const run = fakeRun();
    let opened = 0;
    const stream = new LiveEventStream(async () => {
      opened += 1;
      return run;
    });
    expect(opened).toBe(0);
    run.output.push(event(1));
    run.output.push(event(2));
    run.output.close();
    const ids: string[] = [];
    for await (const e of stream) ids.push(e.id);
    expect(ids).toEqual(['e1', 'e2']);
    expect(opened).toBe(1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('rejects the first next() when the run cannot start, and is done after', async () => {
    const stream = new LiveEventStream(async () => {
      throw new Error('bad request');
    });
    const second = stream.next();
    await expect(stream.next()).resolves.toEqual({ done: true, value: undefined });
    await expect(second).rejects.toThrow('bad request');
    await expect(stream.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('throws the run error once, then is done', async () => {
    const run = fakeRun();
    const stream = new LiveEventStream(async () => run);
    run.output.push(event(1));
    run.output.fail(new Error('model gone'));
    expect((await stream.next()).value?.id).toBe('e1');
    await expect(stream.next()).rejects.toThrow('model gone');
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('break stops the run and waits for it; later reads are done even with events left', async () => {
    const run = fakeRun();
    const stream = new LiveEventStream(async () => run);
    run.output.push(event(1));
    run.output.push(event(2));
    for await (const e of stream) {
      expect(e.id).toBe('e1');
      break;
    }
    expect(run.stops).toBe(1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('throw() stops the run and rethrows; return() before the start opens nothing', async () => {
    const run = fakeRun();
    const stream = new LiveEventStream(async () => run);
    run.output.push(event(1));
    await stream.next();
    await expect(stream.throw(new Error('caller gave up'))).rejects.toThrow('caller gave up');
    expect(run.stops).toBe(1);

    let opened = 0;
    const unused = new LiveEventStream(async () => {
      opened += 1;
      return fakeRun();
    });
    expect(await unused.return()).toEqual({ done: true, value: undefined });
    expect(await unused.next()).toEqual({ done: true, value: undefined });
    expect(opened).toBe(0);
  });

  it('a return() while the run is starting stops it once started', async () => {
    const run = fakeRun();
    let release: (run: OpenedRun) => void = () => {};
    const stream = new LiveEventStream(() => new Promise((resolve) => (release = resolve)));
    const first = stream.next();
    const returned = stream.return();
    release(run);
    await returned;
    expect(run.stops).toBe(1);
    expect(await first).toEqual({ done: true, value: undefined });
  });

  it('is done at once when the run was aborted before it started', async () => {
    const stream = new LiveEventStream(async () => undefined);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });
});
