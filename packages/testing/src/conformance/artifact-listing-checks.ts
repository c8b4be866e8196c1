import type { ArtifactService, Part } from '@earshot/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from './check.js';
import { expectEarshotError } from './expect-error.js';
import { allBytes } from './fixtures.js';

type Check = ConformanceCheck<ArtifactService>;
const scope = { appName: 'conf-app', userId: 'conf-user', sessionId: 's1' };
const textPart = (text: string): Part => ({ text });
// A backend may stamp createTime with its own clock: allow this much skew.
const CLOCK_SKEW_MS = 2_000;

/** Every page of a listing, following `nextPageToken` (bounded, so a token loop fails the check). */
async function allPages<T>(
  first: (page: { pageSize: number; pageToken?: string }) => Promise<{ items: T[]; nextPageToken?: string }>,
  pageSize: number,
): Promise<T[][]> {
  const pages: T[][] = [];
  let pageToken: string | undefined;
  do {
    const page = await first({ pageSize, ...(pageToken !== undefined ? { pageToken } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(pageSize);
    pages.push(page.items);
    pageToken = page.nextPageToken;
    if (pageToken !== undefined) expect(typeof pageToken).toBe('string');
    expect(pages.length, 'pages never end').toBeLessThan(1_000);
  } while (pageToken !== undefined);
  return pages;
}

export const artifactListingChecks: Check[] = [
  {
    name: 'listArtifactVersions reports mimeType, sizeBytes, createTime and customMetadata of every version',
    async run(factory) {
      const service = await factory();
      const req = { ...scope, filename: 'take.wav' };
      const custom = {
        durationMs: 1234.5,
        channels: 1,
        direction: 'input',
        tags: ['a', 'ü'],
        nested: { ok: true },
      };
      const before = Date.now();
      const wav = allBytes(70_000);
      await service.saveArtifact({
        ...req,
        artifact: { inlineData: { data: wav.toString('base64'), mimeType: 'audio/wav' } },
        customMetadata: custom,
      });
      await service.saveArtifact({ ...req, artifact: textPart('héllo') });
      await service.saveArtifact({
        ...req,
        artifact: { inlineData: { data: '', mimeType: 'application/octet-stream' } },
        customMetadata: { when: new Date(0), dropped: undefined, n: null },
      });
      const after = Date.now();
      const versions = await service.listArtifactVersions(req);
      expect(versions.map((v) => [v.version, v.mimeType, v.sizeBytes, v.customMetadata])).toEqual([
        [0, 'audio/wav', 70_000, custom],
        [1, 'text/plain; charset=utf-8', 6, {}],
        // Stored as its JSON form: a Date becomes its ISO string, undefined values go.
        [2, 'application/octet-stream', 0, { when: '1970-01-01T00:00:00.000Z', n: null }],
      ]);
      for (const { createTime } of versions) {
        expect(createTime).toBeGreaterThanOrEqual(before - CLOCK_SKEW_MS);
        expect(createTime).toBeLessThanOrEqual(after + CLOCK_SKEW_MS);
      }
      // Copies: mutating what was passed or returned changes nothing stored.
      custom.tags.push('mutated');
      (versions[0]?.customMetadata as { channels: number }).channels = 99;
      expect((await service.listArtifactVersions(req))[0]?.customMetadata).toEqual({
        durationMs: 1234.5,
        channels: 1,
        direction: 'input',
        tags: ['a', 'ü'],
        nested: { ok: true },
      });
      expect(await service.listArtifactVersions({ ...scope, filename: 'missing.wav' })).toEqual([]);
      const user = { ...scope, filename: 'user:shared.txt' };
      await service.saveArtifact({ ...user, artifact: textPart('x'), customMetadata: { by: 's1' } });
      const fromOtherSession = await service.listArtifactVersions({ ...user, sessionId: 's2' });
      expect(fromOtherSession.map((v) => v.customMetadata)).toEqual([{ by: 's1' }]);
    },
  },
  {
    name: 'bad customMetadata is rejected with INVALID_ARGUMENT and nothing is written',
    async run(factory) {
      const service = await factory();
      const req = { ...scope, filename: 'm.txt', artifact: textPart('x') };
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const bad: unknown[] = [null, 'text', 42, ['array'], cyclic, { big: 1n }, { long: 'x'.repeat(1100) }];
      for (const customMetadata of bad) {
        await expectEarshotError(
          service.saveArtifact({ ...req, customMetadata: customMetadata as Record<string, unknown> }),
          'INVALID_ARGUMENT',
          'customMetadata',
        );
      }
      expect(await service.listVersions(req)).toEqual([]);
      // Exactly at the limit (1,024 bytes of JSON) is fine.
      const atLimit = { v: 'x'.repeat(1024 - '{"v":""}'.length) };
      expect(await service.saveArtifact({ ...req, customMetadata: atLimit })).toBe(0);
      expect((await service.listArtifactVersions(req))[0]?.customMetadata).toEqual(atLimit);
    },
  },
  {
    name: 'listArtifactKeys pages: every name exactly once, at most pageSize a page, a token exactly when more follow',
    async run(factory) {
      const service = await factory();
      const names = ['a.txt', 'b/c.wav', 'b/c.wav.x', 'z', 'ü.txt', 'user:p1', 'user:p2', 'sp ace', 'user:~'];
      for (const filename of names) {
        await service.saveArtifact({ ...scope, filename, artifact: textPart(filename) });
        if (filename.startsWith('b'))
          await service.saveArtifact({ ...scope, filename, artifact: textPart('again') });
      }
      await service.saveArtifact({
        ...scope,
        sessionId: 'other',
        filename: 'not-mine',
        artifact: textPart('x'),
      });
      const everything = await service.listArtifactKeys(scope);
      expect(everything).toEqual([...names].sort());
      expect(await service.listArtifactKeys(scope, {})).toEqual({ keys: everything });
      for (const pageSize of [1, 2, 4, 1000]) {
        const pages = await allPages(async (page) => {
          const { keys, nextPageToken } = await service.listArtifactKeys(scope, page);
          return { items: keys, ...(nextPageToken !== undefined ? { nextPageToken } : {}) };
        }, pageSize);
        const flat = pages.flat();
        expect(flat.length, `pageSize ${pageSize}: no duplicates`).toBe(new Set(flat).size);
        expect([...flat].sort()).toEqual(everything);
        for (const page of pages.slice(0, -1)) expect(page.length).toBe(pageSize);
      }
      const empty = await service.listArtifactKeys({ ...scope, userId: 'nobody' }, { pageSize: 10 });
      expect(empty).toEqual({ keys: [] });
    },
  },
  {
    name: 'listVersions and listArtifactVersions page in ascending order and continue strictly after the token',
    async run(factory) {
      const service = await factory();
      const req = { ...scope, filename: 'many.txt' };
      for (let i = 0; i < 12; i++) await service.saveArtifact({ ...req, artifact: textPart(`v${i}`) });
      expect(await service.listVersions(req, {})).toEqual({ versions: [...Array(12).keys()] });
      const first = await service.listVersions(req, { pageSize: 5 });
      expect(first.versions).toEqual([0, 1, 2, 3, 4]);
      expect(first.nextPageToken).toBeDefined();
      const second = await service.listVersions(req, {
        pageSize: 5,
        pageToken: first.nextPageToken as string,
      });
      expect(second.versions).toEqual([5, 6, 7, 8, 9]);
      // A version saved while paging shows up on a later page.
      await service.saveArtifact({ ...req, artifact: textPart('v12') });
      const third = await service.listVersions(req, {
        pageSize: 5,
        pageToken: second.nextPageToken as string,
      });
      expect(third).toEqual({ versions: [10, 11, 12] });
      const infos = await allPages(async (page) => {
        const { versions, nextPageToken } = await service.listArtifactVersions(req, page);
        return { items: versions, ...(nextPageToken !== undefined ? { nextPageToken } : {}) };
      }, 4);
      expect(infos.map((p) => p.map((v) => v.version))).toEqual([
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9, 10, 11],
        [12],
      ]);
      expect(await service.listVersions({ ...scope, filename: 'none' }, { pageSize: 3 })).toEqual({
        versions: [],
      });
      // A token of the version listing works on the metadata listing (same order), and vice versa.
      const viaInfo = await service.listArtifactVersions(req, {
        pageSize: 2,
        pageToken: first.nextPageToken as string,
      });
      expect(viaInfo.versions.map((v) => v.version)).toEqual([5, 6]);
    },
  },
  {
    name: 'bad page sizes and tokens are rejected with INVALID_ARGUMENT naming the field',
    async run(factory) {
      const service = await factory();
      const req = { ...scope, filename: 'p.txt' };
      await service.saveArtifact({ ...req, artifact: textPart('x') });
      await service.saveArtifact({ ...req, artifact: textPart('y') });
      await service.saveArtifact({ ...scope, filename: 'q.txt', artifact: textPart('x') });
      for (const pageSize of [0, -1, 1.5, 1001, Number.NaN]) {
        await expectEarshotError(service.listVersions(req, { pageSize }), 'INVALID_ARGUMENT', 'pageSize');
        await expectEarshotError(
          service.listArtifactKeys(scope, { pageSize }),
          'INVALID_ARGUMENT',
          'pageSize',
        );
      }
      const keysToken = (await service.listArtifactKeys(scope, { pageSize: 1 })).nextPageToken;
      const versionsToken = (await service.listVersions(req, { pageSize: 1 })).nextPageToken;
      expect(keysToken).toBeDefined();
      expect(versionsToken).toBeDefined();
      // A token of one listing is refused by the other, as is anything that is not a token.
      for (const pageToken of ['', 'not a token', 'x'.repeat(3000), keysToken as string]) {
        await expectEarshotError(
          service.listVersions(req, { pageSize: 1, pageToken }),
          'INVALID_ARGUMENT',
          'pageToken',
        );
        await expectEarshotError(
          service.listArtifactVersions(req, { pageToken }),
          'INVALID_ARGUMENT',
          'pageToken',
        );
      }
      for (const pageToken of ['', 'garbage', versionsToken as string]) {
        await expectEarshotError(
          service.listArtifactKeys(scope, { pageToken }),
          'INVALID_ARGUMENT',
          'pageToken',
        );
      }
    },
  },
];
