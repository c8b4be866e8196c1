import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCephRgw } from '../src/index.js';

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startCephRgw', () => {
  it('fails at once, naming the missing binaries and the Debian packages', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-ceph-'));
    try {
      const started = Date.now();
      const error = await startCephRgw({ binDir: empty }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /ceph-mon, ceph, ceph-osd, radosgw, radosgw-admin not found in/,
      );
      expect((error as Error).message).toContain('ceph-mon ceph-osd radosgw ceph-common');
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('starts a gateway that answers S3 on loopback, and stops every daemon it started', async () => {
    const rgw = await startCephRgw();
    try {
      expect(rgw.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(rgw.clientConfig.forcePathStyle).toBe(true);
      // An anonymous listing of buckets: RGW's S3 XML, not some other server on the port.
      const res = await fetch(`${rgw.endpoint}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('ListAllMyBucketsResult');
      for (const pid of Object.values(rgw.pids)) expect(processExists(pid)).toBe(true);
    } finally {
      await rgw.stop();
    }
    for (const pid of Object.values(rgw.pids)) expect(processExists(pid)).toBe(false);
    expect(existsSync(rgw.dir)).toBe(false);
    await rgw.stop(); // idempotent
  }, 120_000);
});
