import type { ArtifactService, Part } from '@earshot/core';
import { expect } from 'vitest';
import type { ConformanceCheck } from './check.js';
import { expectEarshotError } from './expect-error.js';
import { allBytes, INVALID_IDS, TRICKY_IDS } from './fixtures.js';

type Check = ConformanceCheck<ArtifactService>;
const scope = { appName: 'conf-app', userId: 'conf-user', sessionId: 's1' };
const bytesPart = (buf: Buffer, mimeType = 'application/octet-stream'): Part => ({
  inlineData: { data: buf.toString('base64'), mimeType },
});
const textPart = (text: string): Part => ({ text });

export const artifactVersionChecks: Check[] = [
  {
    name: 'saveArtifact numbers versions 0, 1, 2 and loadArtifact reads latest or a given version',
    async run(factory) {
      const service = await factory();
      const req = { ...scope, filename: 'notes.txt' };
      expect(await service.saveArtifact({ ...req, artifact: textPart('v0') })).toBe(0);
      expect(await service.saveArtifact({ ...req, artifact: textPart('v1') })).toBe(1);
      expect(await service.saveArtifact({ ...req, artifact: textPart('v2') })).toBe(2);
      expect(await service.loadArtifact(req)).toEqual(textPart('v2'));
      expect(await service.loadArtifact({ ...req, version: 0 })).toEqual(textPart('v0'));
      expect(await service.loadArtifact({ ...req, version: 1 })).toEqual(textPart('v1'));
      expect(await service.listVersions(req)).toEqual([0, 1, 2]);
    },
  },
  {
    name: 'missing files and versions load as undefined and list as empty',
    async run(factory) {
      const service = await factory();
      const req = { ...scope, filename: 'a.bin' };
      expect(await service.loadArtifact(req)).toBeUndefined();
      expect(await service.listVersions(req)).toEqual([]);
      expect(await service.listArtifactKeys(scope)).toEqual([]);
      await service.saveArtifact({ ...req, artifact: textPart('x') });
      expect(await service.loadArtifact({ ...req, version: 1 })).toBeUndefined();
    },
  },
  {
    name: 'binary bytes, mime types and text round-trip exactly',
    async run(factory) {
      const service = await factory();
      const bin = allBytes(70_000);
      await service.saveArtifact({ ...scope, filename: 'b.wav', artifact: bytesPart(bin, 'audio/wav') });
      await service.saveArtifact({ ...scope, filename: 'e.bin', artifact: bytesPart(Buffer.alloc(0)) });
      await service.saveArtifact({ ...scope, filename: 't.txt', artifact: textPart('héllo 🎧\n\u0000end') });
      const loaded = await service.loadArtifact({ ...scope, filename: 'b.wav' });
      expect(loaded?.inlineData?.mimeType).toBe('audio/wav');
      expect(Buffer.from(loaded?.inlineData?.data ?? '', 'base64').equals(bin)).toBe(true);
      expect(await service.loadArtifact({ ...scope, filename: 'e.bin' })).toEqual(bytesPart(Buffer.alloc(0)));
      expect(await service.loadArtifact({ ...scope, filename: 't.txt' })).toEqual(
        textPart('héllo 🎧\n\u0000end'),
      );
    },
  },
  {
    name: 'saved and loaded parts are copies',
    async run(factory) {
      const service = await factory();
      const part = textPart('original');
      await service.saveArtifact({ ...scope, filename: 'f', artifact: part });
      part.text = 'mutated after save';
      const loaded = (await service.loadArtifact({ ...scope, filename: 'f' }))!;
      loaded.text = 'mutated after load';
      expect(await service.loadArtifact({ ...scope, filename: 'f' })).toEqual(textPart('original'));
    },
  },
  {
    name: 'deleteArtifact removes every version; the next save is version 0 again',
    async run(factory) {
      const service = await factory();
      const req = { ...scope, filename: 'd.txt' };
      await service.saveArtifact({ ...req, artifact: textPart('a') });
      await service.saveArtifact({ ...req, artifact: textPart('b') });
      await service.saveArtifact({ ...scope, filename: 'keep.txt', artifact: textPart('k') });
      await service.deleteArtifact(req);
      await service.deleteArtifact(req);
      await service.deleteArtifact({ ...scope, filename: 'never.txt' });
      expect(await service.loadArtifact(req)).toBeUndefined();
      expect(await service.loadArtifact({ ...req, version: 0 })).toBeUndefined();
      expect(await service.listVersions(req)).toEqual([]);
      expect(await service.listArtifactKeys(scope)).toEqual(['keep.txt']);
      expect(await service.saveArtifact({ ...req, artifact: textPart('c') })).toBe(0);
    },
  },
  {
    name: 'concurrent saves of one filename get distinct versions and lose nothing',
    async run(factory) {
      const service = await factory();
      const req = { ...scope, filename: 'race.txt' };
      const versions = await Promise.all(
        Array.from({ length: 20 }, (_, i) => service.saveArtifact({ ...req, artifact: textPart(`w${i}`) })),
      );
      expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(await service.listVersions(req)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      for (let i = 0; i < 20; i++) {
        expect(await service.loadArtifact({ ...req, version: versions[i] })).toEqual(textPart(`w${i}`));
      }
    },
  },
];

export const artifactScopeChecks: Check[] = [
  {
    name: 'user: files are shared by one user’s sessions; session files are not',
    async run(factory) {
      const service = await factory();
      const s2 = { ...scope, sessionId: 's2' };
      await service.saveArtifact({ ...scope, filename: 'user:profile.png', artifact: textPart('p0') });
      await service.saveArtifact({ ...scope, filename: 'own.txt', artifact: textPart('o') });
      expect(
        await service.saveArtifact({ ...s2, filename: 'user:profile.png', artifact: textPart('p1') }),
      ).toBe(1);
      expect(await service.loadArtifact({ ...scope, filename: 'user:profile.png' })).toEqual(textPart('p1'));
      expect(await service.loadArtifact({ ...s2, filename: 'own.txt' })).toBeUndefined();
      expect(await service.listArtifactKeys(scope)).toEqual(['own.txt', 'user:profile.png']);
      expect(await service.listArtifactKeys(s2)).toEqual(['user:profile.png']);
      const bob = { ...scope, userId: 'bob' };
      expect(await service.loadArtifact({ ...bob, filename: 'user:profile.png' })).toBeUndefined();
      expect(await service.listArtifactKeys(bob)).toEqual([]);
      await service.deleteArtifact({ ...s2, filename: 'user:profile.png' });
      expect(await service.listArtifactKeys(scope)).toEqual(['own.txt']);
    },
  },
  {
    name: 'the user scope cannot be reached through any session id, not even "user"',
    async run(factory) {
      const service = await factory();
      for (const sessionId of ['user', 'user:', '_user', 'users']) {
        await service.saveArtifact({
          ...scope,
          sessionId,
          filename: 'profile.png',
          artifact: textPart(sessionId),
        });
      }
      await service.saveArtifact({ ...scope, filename: 'user:profile.png', artifact: textPart('shared') });
      for (const sessionId of ['user', 'user:', '_user', 'users']) {
        const s = { ...scope, sessionId };
        expect(await service.loadArtifact({ ...s, filename: 'profile.png' })).toEqual(textPart(sessionId));
        expect(await service.listVersions({ ...s, filename: 'profile.png' })).toEqual([0]);
        expect(await service.listArtifactKeys(s)).toEqual(['profile.png', 'user:profile.png']);
      }
      expect(await service.listVersions({ ...scope, filename: 'user:profile.png' })).toEqual([0]);
    },
  },
  {
    name: 'filenames with "/" are one artifact and never alias look-alikes',
    async run(factory) {
      const service = await factory();
      const names = [
        'live-audio/e-1/input-1.wav',
        'a/b',
        'a',
        'a%2Fb',
        'a:b',
        'a b',
        'ü/🎧.wav',
        'a/b/0',
        '{x}*',
      ];
      for (const filename of names)
        await service.saveArtifact({ ...scope, filename, artifact: textPart(filename) });
      expect(await service.listArtifactKeys(scope)).toEqual([...names].sort());
      for (const filename of names) {
        expect(await service.listVersions({ ...scope, filename })).toEqual([0]);
        expect(await service.loadArtifact({ ...scope, filename })).toEqual(textPart(filename));
      }
    },
  },
  {
    name: 'tricky app, user and session ids never alias each other',
    async run(factory) {
      const service = await factory();
      for (const id of TRICKY_IDS) {
        await service.saveArtifact({
          appName: id,
          userId: id,
          sessionId: id,
          filename: 'f',
          artifact: textPart(id),
        });
      }
      await service.saveArtifact({
        appName: 'x',
        userId: 'a/b',
        sessionId: 'c',
        filename: 'f',
        artifact: textPart('1'),
      });
      await service.saveArtifact({
        appName: 'x',
        userId: 'a',
        sessionId: 'b/c',
        filename: 'f',
        artifact: textPart('2'),
      });
      await service.saveArtifact({
        appName: 'x/a',
        userId: 'b',
        sessionId: 'c',
        filename: 'f',
        artifact: textPart('3'),
      });
      for (const id of TRICKY_IDS) {
        const s = { appName: id, userId: id, sessionId: id };
        expect(await service.loadArtifact({ ...s, filename: 'f' })).toEqual(textPart(id));
        expect(await service.listVersions({ ...s, filename: 'f' })).toEqual([0]);
      }
      expect(
        await service.loadArtifact({ appName: 'x', userId: 'a', sessionId: 'b/c', filename: 'f' }),
      ).toEqual(textPart('2'));
      expect(await service.listArtifactKeys({ appName: 'x', userId: 'a', sessionId: 'b' })).toEqual([]);
    },
  },
  {
    name: 'bad filenames, ids, versions and parts are INVALID_ARGUMENT and write nothing',
    async run(factory) {
      const service = await factory();
      const badNames = [
        '',
        '/abs',
        '\\abs',
        '../x',
        'a/../b',
        'a/./b',
        'a//b',
        'a/',
        '.',
        'user:',
        'user:../x',
        'a\nb',
        'a\u0000b',
        'x'.repeat(600),
      ];
      for (const filename of badNames) {
        await expectEarshotError(
          service.saveArtifact({ ...scope, filename, artifact: textPart('x') }),
          'INVALID_ARGUMENT',
          'filename',
        );
        await expectEarshotError(
          service.loadArtifact({ ...scope, filename }),
          'INVALID_ARGUMENT',
          'filename',
        );
        await expectEarshotError(
          service.listVersions({ ...scope, filename }),
          'INVALID_ARGUMENT',
          'filename',
        );
        await expectEarshotError(
          service.deleteArtifact({ ...scope, filename }),
          'INVALID_ARGUMENT',
          'filename',
        );
      }
      for (const bad of INVALID_IDS) {
        await expectEarshotError(
          service.saveArtifact({ ...scope, sessionId: bad, filename: 'f', artifact: textPart('x') }),
          'INVALID_ARGUMENT',
          'sessionId',
        );
        await expectEarshotError(
          service.listArtifactKeys({ ...scope, userId: bad }),
          'INVALID_ARGUMENT',
          'userId',
        );
        await expectEarshotError(
          service.listArtifactKeys({ ...scope, appName: bad }),
          'INVALID_ARGUMENT',
          'appName',
        );
      }
      await expectEarshotError(
        service.loadArtifact({ ...scope, filename: 'f', version: -1 }),
        'INVALID_ARGUMENT',
        'version',
      );
      await expectEarshotError(
        service.loadArtifact({ ...scope, filename: 'f', version: 1.5 }),
        'INVALID_ARGUMENT',
        'version',
      );
      await expectEarshotError(
        service.saveArtifact({ ...scope, filename: 'f', artifact: {} as Part }),
        'INVALID_ARGUMENT',
        'artifact',
      );
      await expectEarshotError(
        service.saveArtifact({ ...scope, filename: 'f', artifact: { inlineData: { data: 'AAAA' } } }),
        'INVALID_ARGUMENT',
        'mimeType',
      );
      expect(await service.listArtifactKeys(scope)).toEqual([]);
      expect(await service.listVersions({ ...scope, filename: 'f' })).toEqual([]);
    },
  },
];
