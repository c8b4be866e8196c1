import { describe, expect, it } from 'vitest';
import { RunInbox } from '../src/run/run-inbox.js';
import { MessageSignal, type RunSignal } from '../src/run/run-signal.js';

const message = (n: number) => new MessageSignal(1, { serverContent: { turnComplete: n > 0 } }, 0);

describe('RunInbox', () => {
  it('queues messages while the loop is busy and hands them over in order', async () => {
    const inbox = new RunInbox();
    const handled: RunSignal[] = [];
    inbox.deliver(message(1), (signal) => {
      handled.push(signal);
      return false;
    });
    inbox.push({ kind: 'wake' });
    expect(handled).toEqual([]); // nobody was waiting: queued, not handled on arrival
    expect(inbox.tryTake()).toBeInstanceOf(MessageSignal);
    expect(inbox.tryTake()).toEqual({ kind: 'wake' });
  });

  it('handles a message on arrival when the loop waits with nothing queued', async () => {
    const inbox = new RunInbox();
    const waiting = inbox.take();
    const handled: RunSignal[] = [];
    inbox.deliver(message(1), (signal) => {
      handled.push(signal);
      return false;
    });
    expect(handled).toHaveLength(1);
    expect(inbox.size).toBe(0);
    // The loop is still waiting: the next push reaches it; the one after is queued.
    inbox.push({ kind: 'inputClosed' });
    expect((await waiting).value).toEqual({ kind: 'inputClosed' });
    inbox.deliver(message(2), () => {
      throw new Error('not while the loop is busy');
    });
    expect(inbox.tryTake()).toBeInstanceOf(MessageSignal);
  });

  it('puts what the handling left before the signals it raised, and turns a throw into a failure', async () => {
    const inbox = new RunInbox();
    let waiting = inbox.take();
    const appended = Promise.resolve(false);
    inbox.deliver(message(1), () => {
      inbox.push({ kind: 'saveHandle' }); // raised during the handling: held behind its outcome
      return appended;
    });
    expect((await waiting).value).toEqual({ kind: 'handled', outcome: appended });
    expect(inbox.tryTake()).toEqual({ kind: 'saveHandle' });

    waiting = inbox.take();
    const boom = new Error('boom');
    inbox.deliver(message(1), () => {
      throw boom;
    });
    expect((await waiting).value).toEqual({ kind: 'failure', error: boom });

    waiting = inbox.take();
    inbox.deliver(message(1), () => true);
    expect((await waiting).value).toEqual({ kind: 'handled', outcome: true });
  });

  it('does not let a rejected outcome count as unhandled before the loop awaits it', async () => {
    const inbox = new RunInbox();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const waiting = inbox.take();
    inbox.deliver(message(1), () => Promise.reject(new Error('append failed')));
    const left = (await waiting).value;
    await new Promise((resolve) => setTimeout(resolve, 10));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    expect(left?.kind).toBe('handled');
    if (left?.kind === 'handled') await expect(left.outcome).rejects.toThrow('append failed');
  });
});
