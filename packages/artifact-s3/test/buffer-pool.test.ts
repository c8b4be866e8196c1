import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../src/buffer-pool.js';
import { scope } from './helpers/fixture.js';
import { useRgw } from './helpers/rgw.js';

const MiB = 1024 * 1024;
const s3 = useRgw();

describe('body buffer pool', () => {
  it('hands back released buffers, sized exactly, and only within its bounds', () => {
    const pool = new BufferPool({ minBytes: MiB, maxBytes: 8 * MiB, maxSpares: 2 });
    const a = pool.acquire(3 * MiB);
    expect(a.length).toBe(3 * MiB);
    pool.release(a);
    const b = pool.acquire(2 * MiB);
    expect(b.buffer).toBe(a.buffer); // reused
    expect(b.length).toBe(2 * MiB);
    expect(pool.acquire(2 * MiB).buffer).not.toBe(a.buffer); // taken until released
    const small = pool.acquire(1000); // below minBytes: ordinary memory, never kept
    pool.release(small);
    expect(pool.acquire(2 * MiB).buffer).not.toBe(small.buffer);
    pool.release(b);
    expect(pool.acquire(MiB).buffer).not.toBe(a.buffer); // 3 MiB spare is more than twice 1 MiB
  });

  it('saves that reuse buffers still store every artifact byte for byte (sequential and concurrent)', async () => {
    const service = s3.service({ conditionalWrites: 'assume' });
    const payloads = Array.from({ length: 6 }, (_, i) => randomBytes(2 * MiB + i * 1000).toString('base64'));
    for (const [i, data] of payloads.slice(0, 3).entries()) {
      await service.saveArtifact({
        ...scope,
        filename: `seq-${i}`,
        artifact: { inlineData: { data, mimeType: 'a/b' } },
      });
    }
    await Promise.all(
      payloads.slice(3).map((data, i) =>
        service.saveArtifact({
          ...scope,
          filename: `par-${i}`,
          artifact: { inlineData: { data, mimeType: 'a/b' } },
        }),
      ),
    );
    const names = ['seq-0', 'seq-1', 'seq-2', 'par-0', 'par-1', 'par-2'];
    for (const [i, filename] of names.entries()) {
      const loaded = await service.loadArtifact({ ...scope, filename });
      expect(loaded?.inlineData?.data === payloads[i], filename).toBe(true);
    }
  });
});
