import { describe, expect, it } from 'vitest';
import { encodeSegment, KeySchema } from '../src/index.js';
import { escapeGlob, event, scanKeys, useRedis } from './support.js';

const { fixture, service } = useRedis();

const HOSTILE = [
  'a:b',
  '{a}',
  '}',
  '{',
  '*',
  '?',
  '[x]',
  'sp ace',
  '%',
  '%7B',
  'ünï-çødé-🎧',
  'meta:u:s',
  'user',
  'app',
  '\\',
];

describe('key-injection ids', () => {
  it('hostile app/user/session ids round-trip, stay apart and only ever touch their own keys', async () => {
    const svc = service();
    for (const id of HOSTILE) {
      const session = await svc.createSession({
        appName: id,
        userId: id,
        sessionId: id,
        state: { owner: id, 'user:owner': id, 'app:owner': id },
      });
      await svc.appendEvent({ session, event: event({ actions: { stateDelta: { last: id } } }) });
    }
    for (const id of HOSTILE) {
      const read = await svc.getSession({ appName: id, userId: id, sessionId: id });
      expect(read?.state).toEqual({ owner: id, last: id, 'user:owner': id, 'app:owner': id });
      expect(read?.events).toHaveLength(1);
      expect((await svc.listSessions({ appName: id, userId: id })).sessions.map((s) => s.id)).toEqual([id]);
    }

    // Every stored key is prefix + v2: + {encoded app[:encoded user]} + ':' + family + encoded segments.
    const keys = await scanKeys(fixture.admin, `${escapeGlob(svc.keys.prefix)}*`);
    const seg = '[A-Za-z0-9._~%-]+';
    const appKey = new RegExp(`^v2:\\{(${seg})\\}:(app|appdeltas)$`);
    const userKey = new RegExp(
      `^v2:\\{(${seg}):(${seg})\\}:(user|sessions|meta|state|events|eventids|eventts)((?::${seg})?)$`,
    );
    for (const key of keys) {
      const tail = key.slice(svc.keys.prefix.length);
      expect(appKey.test(tail) || userKey.test(tail), key).toBe(true);
    }
    // 15 apps × (app, appdeltas, user, sessions index, meta, state, events, eventids, eventts)
    expect(keys).toHaveLength(HOSTILE.length * 9);
    // Deleting one hostile session leaves every other app's keys alone.
    await svc.deleteSession({ appName: '*', userId: '*', sessionId: '*' });
    const after = await scanKeys(fixture.admin, `${escapeGlob(svc.keys.prefix)}*`);
    const star = encodeSegment('*');
    const others = (list: string[]) => list.filter((k) => !k.includes(`{${star}:${star}}`));
    expect(others(after)).toEqual(others(keys));
    // The deleted session's user keeps its user: state and an empty index is removed by Redis.
    expect(after.filter((k) => k.includes(`{${star}:${star}}`))).toEqual([
      svc.keys.user({ appName: '*', userId: '*' }).userState,
    ]);
  });

  it('glob characters in ids do not widen anything: "*" is just another user', async () => {
    const svc = service();
    await svc.createSession({ appName: 'app', userId: 'alice', sessionId: 's1' });
    await svc.createSession({ appName: 'app', userId: '*', sessionId: 's2' });
    expect((await svc.listSessions({ appName: 'app', userId: '*' })).sessions.map((s) => s.id)).toEqual([
      's2',
    ]);
    expect(await svc.getSession({ appName: 'app', userId: '*', sessionId: 's1' })).toBeUndefined();
  });

  it('rejects a key prefix that would change the hash tag', () => {
    expect(() => service({ keyPrefix: 'a{b}:' })).toThrow(/keyPrefix/);
    expect(new KeySchema('x*:').appPattern('a*b')).toBe('x\\*:v2:{a%2Ab[:}]*');
  });
});
