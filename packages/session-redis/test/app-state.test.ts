import { StorageError } from '@earshot/core';
import { describe, expect, it } from 'vitest';
import { event, useRedis } from './support.js';

/**
 * `app:` state lives in the app's own slot and is written by a second script, idempotent by
 * event id. The fault between the two scripts is real: a foreign value in the app hash makes
 * the second script fail after the first one stored the event.
 */
const { fixture, service } = useRedis();
const key = { appName: 'app', userId: 'u', sessionId: 's' };

describe('app: state in its own slot', () => {
  it('a failure between the two writes: the event is stored, the retry finishes the job once', async () => {
    const svc = service();
    const session = await svc.createSession(key);
    const { appState } = svc.keys.app(key.appName);
    await fixture.admin.set(appState, 'someone else wrote here');
    const first = event({ actions: { stateDelta: { 'app:x': 1, 'user:y': 1, z: 1 } } });
    const error = await svc.appendEvent({ session, event: first }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(session.events).toEqual([]); // not acknowledged: the passed object is untouched
    await fixture.admin.del(appState);
    const stored = await svc.getSession(key);
    expect(stored?.events.map((e) => e.id)).toEqual([first.id]);
    expect(stored?.state).toEqual({ 'user:y': 1, z: 1 });

    await svc.appendEvent({ session, event: first }); // the retry: same event, same id
    expect((await svc.getSession(key))?.state).toEqual({ 'app:x': 1, 'user:y': 1, z: 1 });
    expect((await svc.getSession(key))?.events).toHaveLength(1);
  });

  it('a retry of an append that fully succeeded never applies its app: part twice', async () => {
    const svc = service();
    const session = await svc.createSession(key);
    const other = await svc.createSession({ ...key, userId: 'someone-else' });
    const first = event({ actions: { stateDelta: { 'app:x': 1 } } });
    await svc.appendEvent({ session, event: first });
    await svc.appendEvent({ session: other, event: event({ actions: { stateDelta: { 'app:x': 2 } } }) });
    await svc.appendEvent({ session, event: first }); // a retry after a lost reply
    expect((await svc.getSession(key))?.state).toEqual({ 'app:x': 2 });
    expect((await svc.getSession(key))?.events).toHaveLength(1);
  });

  it('two users of one app have different hash tags; app: state a third', () => {
    const svc = service();
    const tagOf = (k: string) => k.slice(k.indexOf('{') + 1, k.indexOf('}'));
    const a = svc.keys.session(key).meta;
    const b = svc.keys.session({ ...key, userId: 'u2' }).meta;
    const app = svc.keys.app(key.appName).appState;
    expect([a, b, app].map(tagOf)).toEqual(['app:u', 'app:u2', 'app']);
  });
});
