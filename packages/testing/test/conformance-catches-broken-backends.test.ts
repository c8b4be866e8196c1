/**
 * The conformance suites are only worth something if they fail for a backend that breaks a
 * rule. Each toy backend below breaks exactly one rule; the test asserts that the suite
 * flags it (and, for contrast, that the correct in-memory backend passes every check).
 */
import {
  type AppendEventRequest,
  type ArtifactRequest,
  type ArtifactScope,
  type GetSessionRequest,
  InMemoryArtifactService,
  InMemorySessionService,
  type ListArtifactKeysPage,
  type ListSessionsRequest,
  type ListVersionsPage,
  type LoadArtifactRequest,
  type PageRequest,
  type Part,
  type SaveArtifactRequest,
  type Session,
  validateArtifactRequest,
  validateArtifactScope,
  validateSaveArtifactRequest,
} from '@earshot/core';
import { artifactServiceChecks, runChecks, sessionServiceChecks } from '@earshot/testing/conformance';
import { describe, expect, it } from 'vitest';

/** Returns the same object on every read: callers' mutations leak into storage. */
class SharedReferenceSessionService extends InMemorySessionService {
  private readonly cache = new Map<string, Session>();
  override async getSession(request: GetSessionRequest): Promise<Session | undefined> {
    const key = JSON.stringify([request.appName, request.userId, request.sessionId, request.config]);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const session = await super.getSession(request);
    if (session) this.cache.set(key, session);
    return session;
  }
}

/** Stores `temp:` keys by renaming them, i.e. persists what must never be stored. */
class TempPersistingSessionService extends InMemorySessionService {
  override async appendEvent({ session, event }: AppendEventRequest) {
    const renamed = Object.fromEntries(
      Object.entries(event.actions.stateDelta).map(([k, v]) => [k.replace(/^temp:/, 'kept-temp:'), v]),
    );
    return super.appendEvent({
      session,
      event: { ...event, actions: { ...event.actions, stateDelta: renamed } },
    });
  }
}

/** Treats `afterTimestamp` as exclusive (an off-by-one that loses the boundary event). */
class ExclusiveAfterTimestampSessionService extends InMemorySessionService {
  override getSession(request: GetSessionRequest) {
    const after = request.config?.afterTimestamp;
    const config = after === undefined ? request.config : { ...request.config, afterTimestamp: after + 1 };
    return super.getSession({ ...request, config });
  }
}

/** Pages by slicing an offset, with the offset off by one: each page after the first skips a session. */
class OffByOnePagingSessionService extends InMemorySessionService {
  override async listSessions(request: ListSessionsRequest, page?: PageRequest) {
    const { sessions } = await super.listSessions(request);
    if (!page) return { sessions };
    const size = page.pageSize ?? 100;
    const from = page.pageToken === undefined ? 0 : Number(page.pageToken) + 1;
    const next = from + size;
    return {
      sessions: sessions.slice(from, next),
      ...(next < sessions.length ? { nextPageToken: String(next) } : {}),
    };
  }
}

/** Joins ids into one string key, the classic layout where `user` scope and a session named `user` collide. */
class JoinedKeyArtifactService extends InMemoryArtifactService {
  private readonly store = new Map<string, Part[]>();
  private key({ appName, userId, sessionId }: ArtifactScope, filename: string) {
    return filename.startsWith('user:')
      ? `${appName}/${userId}/user/${filename.slice(5)}`
      : `${appName}/${userId}/${sessionId}/${filename}`;
  }
  override async saveArtifact(request: SaveArtifactRequest) {
    const { artifact, ...req } = validateSaveArtifactRequest(request);
    const versions = this.store.get(this.key(req, req.filename)) ?? [];
    versions.push(structuredClone(artifact));
    this.store.set(this.key(req, req.filename), versions);
    return versions.length - 1;
  }
  override async loadArtifact(request: LoadArtifactRequest) {
    const req = validateArtifactRequest(request);
    const versions = this.store.get(this.key(req, req.filename)) ?? [];
    const part = versions[request.version ?? versions.length - 1];
    return part && structuredClone(part);
  }
  override listVersions(request: ArtifactRequest): Promise<number[]>;
  override listVersions(request: ArtifactRequest, page: PageRequest): Promise<ListVersionsPage>;
  override async listVersions(request: ArtifactRequest, page?: PageRequest) {
    const req = validateArtifactRequest(request);
    const versions = (this.store.get(this.key(req, req.filename)) ?? []).map((_, i) => i);
    return page === undefined ? versions : { versions }; // one page: this toy breaks scoping, not paging
  }
  override listArtifactKeys(request: ArtifactScope): Promise<string[]>;
  override listArtifactKeys(request: ArtifactScope, page: PageRequest): Promise<ListArtifactKeysPage>;
  override async listArtifactKeys(request: ArtifactScope, page?: PageRequest) {
    const keys = await this.allKeys(request);
    return page === undefined ? keys : { keys };
  }
  private async allKeys(request: ArtifactScope) {
    const { appName, userId, sessionId } = validateArtifactScope(request);
    const own = `${appName}/${userId}/${sessionId}/`;
    const shared = `${appName}/${userId}/user/`;
    const names = [...this.store.keys()].flatMap((k) =>
      k.startsWith(own)
        ? [k.slice(own.length)]
        : k.startsWith(shared)
          ? [`user:${k.slice(shared.length)}`]
          : [],
    );
    return [...new Set(names)].sort();
  }
  override async deleteArtifact(request: LoadArtifactRequest) {
    const req = validateArtifactRequest(request);
    this.store.delete(this.key(req, req.filename));
  }
}

/** Skips filename validation: accepts `../` and absolute names. */
class UnvalidatedFilenameArtifactService extends InMemoryArtifactService {
  private readonly inner = new InMemoryArtifactService();
  override saveArtifact(request: SaveArtifactRequest) {
    const safe = request.filename.replace(/\.\.|^\/|\/\/|\/$/g, '_') || '_';
    return this.inner.saveArtifact({ ...request, filename: safe });
  }
}

/** Forgets the custom metadata a save passed. */
class MetadataDroppingArtifactService extends InMemoryArtifactService {
  override saveArtifact({ customMetadata: _, ...request }: SaveArtifactRequest) {
    return super.saveArtifact(request);
  }
}

/** Ignores the page token: every page is the first one. */
class TokenIgnoringArtifactService extends InMemoryArtifactService {
  override listArtifactKeys(request: ArtifactScope): Promise<string[]>;
  override listArtifactKeys(request: ArtifactScope, page: PageRequest): Promise<ListArtifactKeysPage>;
  override async listArtifactKeys(request: ArtifactScope, page?: PageRequest) {
    if (page === undefined) return super.listArtifactKeys(request);
    return super.listArtifactKeys(request, { pageSize: page.pageSize ?? 100 });
  }
}

async function failedChecks<S>(checks: Parameters<typeof runChecks<S>>[0], factory: () => S) {
  const outcomes = await runChecks(checks, factory);
  return outcomes.filter((o) => !o.passed).map((o) => o.name);
}

describe('the conformance suites catch broken backends', () => {
  it('the reference in-memory backends pass every check', async () => {
    expect(await failedChecks(sessionServiceChecks, () => new InMemorySessionService())).toEqual([]);
    expect(await failedChecks(artifactServiceChecks, () => new InMemoryArtifactService())).toEqual([]);
  });

  it('flags a session service whose pages skip a session', async () => {
    const failed = await failedChecks(sessionServiceChecks, () => new OffByOnePagingSessionService());
    expect(failed).toContain(
      'listSessions pages: pages of pageSize, in the listing order, no session twice, last page has no token',
    );
  });

  it('flags a session service whose reads share references with storage', async () => {
    const failed = await failedChecks(sessionServiceChecks, () => new SharedReferenceSessionService());
    expect(failed).toContain('returned sessions are copies: mutating them changes nothing stored');
  });

  it('flags a session service that stores temp: state', async () => {
    const failed = await failedChecks(sessionServiceChecks, () => new TempPersistingSessionService());
    expect(failed).toEqual(['temp: state reaches the live session object but is never stored']);
  });

  it('flags a session service with an exclusive afterTimestamp', async () => {
    const failed = await failedChecks(
      sessionServiceChecks,
      () => new ExclusiveAfterTimestampSessionService(),
    );
    expect(failed).toEqual(['afterTimestamp is an inclusive filter, applied before numRecentEvents']);
  });

  it('flags an artifact service whose joined keys let a session named "user" alias the user scope', async () => {
    const failed = await failedChecks(artifactServiceChecks, () => new JoinedKeyArtifactService());
    expect(failed).toContain('the user scope cannot be reached through any session id, not even "user"');
    expect(failed).toContain('tricky app, user and session ids never alias each other');
  });

  it('flags an artifact service that rewrites bad filenames instead of rejecting them', async () => {
    const failed = await failedChecks(artifactServiceChecks, () => new UnvalidatedFilenameArtifactService());
    expect(failed).toContain('bad filenames, ids, versions and parts are INVALID_ARGUMENT and write nothing');
  });

  it('flags an artifact service that forgets customMetadata', async () => {
    const failed = await failedChecks(artifactServiceChecks, () => new MetadataDroppingArtifactService());
    expect(failed).toContain(
      'listArtifactVersions reports mimeType, sizeBytes, createTime and customMetadata of every version',
    );
  });

  it('flags an artifact service whose key pages ignore the token', async () => {
    const failed = await failedChecks(artifactServiceChecks, () => new TokenIgnoringArtifactService());
    expect(failed).toContain(
      'listArtifactKeys pages: every name exactly once, at most pageSize a page, a token exactly when more follow',
    );
  });
});
