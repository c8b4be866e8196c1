import {
  compareListedSessions,
  decodeSessionPageToken,
  encodeSessionPageToken,
  type ListSessionsResponse,
  type Session,
  type ValidPageRequest,
} from '@earshot/core';
import { asArray, asNumber, asString, mergeState } from './codec.js';
import { indexMember, type KeySchema, memberSessionId, memberTime } from './keys.js';
import type { LuaScript, RedisClient } from './script-runner.js';

/** Sessions read per script call: bounds the KEYS array of one call. */
const LIST_BATCH = 256;

interface Who {
  appName: string;
  userId: string;
}

/**
 * `listSessions` on the user's index, a ZSET whose members (`<order key>:<id>`, all scores 0)
 * sort byte-wise in the listing order, so a page is one `ZRANGEBYLEX` from the cursor:
 * O(log n + page) whatever the number of sessions.
 */
export class SessionLister {
  constructor(
    private readonly deps: {
      keys: KeySchema;
      redis: RedisClient;
      script: LuaScript;
      call: <T>(operation: string, fn: () => Promise<T>) => Promise<T>;
      readAppState: (appName: string) => Promise<unknown>;
    },
  ) {}

  /**
   * Everything: one snapshot of the index, then the sessions in batches, sorted by their
   * current `lastUpdateTime` (an append during the listing cannot hide a session).
   */
  async all(who: Who): Promise<ListSessionsResponse> {
    const { sessionIndex } = this.deps.keys.user(who);
    const [members, appState] = await Promise.all([
      this.deps.call('listSessions', () => this.deps.redis.zrangebylex(sessionIndex, '-', '+')),
      this.deps.readAppState(who.appName),
    ]);
    const sessions: Session[] = [];
    for (let from = 0; from < members.length; from += LIST_BATCH) {
      sessions.push(...(await this.read(who, members.slice(from, from + LIST_BATCH), appState)));
    }
    sessions.sort(compareListedSessions);
    return { sessions };
  }

  /** One page strictly after the token's cursor (a session deleted since is simply skipped). */
  async page(who: Who, { pageSize, pageToken }: ValidPageRequest): Promise<ListSessionsResponse> {
    const { sessionIndex } = this.deps.keys.user(who);
    const cursor = pageToken === undefined ? undefined : decodeSessionPageToken(pageToken);
    const start = cursor ? `(${indexMember(cursor.lastUpdateTime, cursor.id)}` : '-';
    const [members, appState] = await Promise.all([
      this.deps.call('listSessions', () =>
        this.deps.redis.zrangebylex(sessionIndex, start, '+', 'LIMIT', 0, pageSize + 1),
      ),
      this.deps.readAppState(who.appName),
    ]);
    const more = members.length > pageSize;
    const examined = members.slice(0, pageSize);
    const sessions = examined.length > 0 ? await this.read(who, examined, appState) : [];
    const last = examined[examined.length - 1];
    if (!more || last === undefined) return { sessions };
    // The cursor is the last member examined, even if its session expired meanwhile.
    const nextPageToken = encodeSessionPageToken({
      lastUpdateTime: memberTime(last),
      id: memberSessionId(last),
    });
    return { sessions, nextPageToken };
  }

  private async read(who: Who, members: string[], appState: unknown): Promise<Session[]> {
    const { keys } = this.deps;
    const u = keys.user(who);
    const sessionKeys = members.flatMap((member) => {
      const s = keys.session({ ...who, sessionId: memberSessionId(member) });
      return [s.meta, s.state];
    });
    const reply = asArray(
      await this.deps.call('listSessions', () =>
        this.deps.script.run({
          redis: this.deps.redis,
          keys: [u.sessionIndex, u.userState, ...sessionKeys],
          args: members,
        }),
      ),
      'listSessions',
    );
    return reply.slice(1).map((item) => {
      const [member, lut, state] = asArray(item, 'listed session');
      return {
        id: memberSessionId(asString(member, 'index member')),
        appName: who.appName,
        userId: who.userId,
        state: mergeState(appState, reply[0], state),
        events: [],
        lastUpdateTime: asNumber(lut, 'lastUpdateTime'),
      };
    });
  }
}
