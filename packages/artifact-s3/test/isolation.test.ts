import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { BUCKET, useRgw } from './helpers/rgw.js';

const s3 = useRgw();

const alice = { appName: 'app', userId: 'alice', sessionId: 's1' };

describe('nothing one user or session names reaches another', () => {
  it('a filename with "/" is one artifact, not a folder of others', async () => {
    const service = s3.service();
    await service.saveArtifact({
      ...alice,
      filename: 'live-audio/inv-1/input-0.wav',
      artifact: { text: 'a' },
    });
    await service.saveArtifact({ ...alice, filename: 'live-audio', artifact: { text: 'b' } });
    await service.saveArtifact({ ...alice, filename: 'live-audio/inv-1', artifact: { text: 'c' } });
    expect(await service.listArtifactKeys(alice)).toEqual([
      'live-audio',
      'live-audio/inv-1',
      'live-audio/inv-1/input-0.wav',
    ]);
    for (const filename of ['live-audio', 'live-audio/inv-1', 'live-audio/inv-1/input-0.wav']) {
      expect(await service.listVersions({ ...alice, filename })).toEqual([0]);
    }
  });

  it('ids that try to climb, fake a scope or smuggle separators stay in their own place', async () => {
    const service = s3.service();
    const victim = { appName: 'app', userId: 'bob', sessionId: 's1' };
    await service.saveArtifact({ ...victim, filename: 'secret.txt', artifact: { text: 'bob only' } });
    await service.saveArtifact({
      ...victim,
      filename: 'user:secret.txt',
      artifact: { text: 'bob user-scope' },
    });
    const attackers = [
      { appName: 'app', userId: '../bob', sessionId: 's1' },
      { appName: 'app', userId: 'alice/../bob', sessionId: 's1' },
      { appName: 'app', userId: 'alice', sessionId: '../../bob/s1' },
      { appName: 'app', userId: 'bob/s1', sessionId: 'x' },
      { appName: 'app/bob', userId: 's1', sessionId: 'x' },
      { appName: 'app', userId: 'bob%2Fs1', sessionId: 'x' },
      { appName: 'app', userId: 'alice', sessionId: 'user' },
      { appName: 'app', userId: 'alice', sessionId: '!user' },
      { appName: 'app', userId: 'bob', sessionId: '!user' },
      { appName: 'app', userId: 'bob', sessionId: 'user' },
      { appName: 'app', userId: 'bob', sessionId: '%21user' },
      { appName: 'app', userId: 'bob', sessionId: '.' },
      { appName: 'app', userId: 'bob', sessionId: '..' },
      { appName: 'app', userId: 'bob ', sessionId: 's1' },
      { appName: 'app', userId: 'BOB', sessionId: 's1' },
      { appName: 'app', userId: 'böb', sessionId: 's1' },
      { appName: '.', userId: 'bob', sessionId: 's1' },
    ];
    for (const attacker of attackers) {
      const keys = await service.listArtifactKeys(attacker);
      expect(keys, JSON.stringify(attacker)).not.toContain('secret.txt');
      expect(await service.loadArtifact({ ...attacker, filename: 'secret.txt' })).toBeUndefined();
      const sameUser = attacker.appName === 'app' && attacker.userId === 'bob';
      if (!sameUser) {
        expect(keys, JSON.stringify(attacker)).not.toContain('user:secret.txt');
        expect(await service.loadArtifact({ ...attacker, filename: 'user:secret.txt' })).toBeUndefined();
      }
      await service.deleteArtifact({ ...attacker, filename: 'secret.txt' });
    }
    expect(await service.loadArtifact({ ...victim, filename: 'secret.txt' })).toEqual({ text: 'bob only' });
    expect(await service.listArtifactKeys(victim)).toEqual(['secret.txt', 'user:secret.txt']);
  });

  it('filenames that look like paths, encodings or scopes are names, nothing more', async () => {
    const service = s3.service();
    const names = [
      'a%2Fb',
      'a/b',
      'a%252Fb',
      '%2E%2E/x',
      '..x',
      'x..',
      '.hidden',
      'user',
      'user:user',
      'user:up/x',
      '!user',
      's1/secret.txt',
      'a\\b',
      'ü/🎤.wav',
      '{*}?#[]',
      ' spaced ',
    ];
    for (const filename of names) {
      expect(await service.saveArtifact({ ...alice, filename, artifact: { text: filename } })).toBe(0);
    }
    expect(await service.listArtifactKeys(alice)).toEqual([...names].sort());
    for (const filename of names) {
      expect(await service.loadArtifact({ ...alice, filename })).toEqual({ text: filename });
    }
  });

  it('every stored key is plain ASCII with exactly five segments after the prefix', async () => {
    const prefix = `t-shape-${Date.now()}`;
    const service = s3.service({ prefix });
    const weird = { appName: 'a/p p', userId: '../ü', sessionId: 'user' };
    await service.saveArtifact({ ...weird, filename: 'x/y/z.wav', artifact: { text: '1' } });
    await service.saveArtifact({ ...weird, filename: 'user:x/y', artifact: { text: '2' } });
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
    expect(keys).toEqual([
      `${prefix}/a%2Fp%20p/..%2F%C3%BC/!user/user%3Ax%2Fy/0`,
      `${prefix}/a%2Fp%20p/..%2F%C3%BC/user/x%2Fy%2Fz.wav/0`,
    ]);
  });
});
