import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { InMemoryArtifactService } from '../src/index.js';
import {
  ArtifactByteStore,
  MAX_STORED_BYTES_CHARS,
  MIN_STORED_BYTES_CHARS,
} from '../src/services/artifact-byte-store.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Deterministic bytes that are not all alike. */
function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const scope = { appName: 'app', userId: 'u', sessionId: 's' };

describe('ArtifactByteStore', () => {
  it('keeps canonical base64 of every padding as bytes and gives back the same text', () => {
    const store = new ArtifactByteStore({ minSlabBytes: 64 * 1024 });
    for (const length of [3072, 3073, 3074, 9000, 50_001]) {
      const text = bytes(length, length).toString('base64');
      const ref = store.put(text);
      expect(ref?.length).toBe(length);
      expect(store.read(ref as NonNullable<typeof ref>)).toBe(text);
    }
  });

  it('leaves as text anything that would not come back the same', () => {
    const store = new ArtifactByteStore({ minSlabBytes: 64 * 1024 });
    const text = bytes(6000).toString('base64'); // 8000 characters, no padding
    const padded = bytes(6001).toString('base64'); // ends in '=='
    const cases = {
      'too short': bytes(100).toString('base64'),
      // Large-object space or an external string already: decoding again would only cost time.
      'too long': bytes((MAX_STORED_BYTES_CHARS / 4) * 3 + 3).toString('base64'),
      'missing padding': padded.replace(/=+$/, ''),
      base64url: `${text.slice(0, 4000)}-_${text.slice(4002)}`,
      whitespace: `${text.slice(0, 4000)}\n${text.slice(4001)}`,
      'not base64': `${text.slice(0, 4000)}!${text.slice(4001)}`,
      'padding inside': `${text.slice(0, 4000)}=${text.slice(4001)}`,
      'stray bits after the last byte': `${padded.slice(0, -3)}B==`,
      'three padding characters': `${padded.slice(0, -3)}===`,
    };
    for (const [name, data] of Object.entries(cases)) {
      expect(data.length >= MIN_STORED_BYTES_CHARS || name === 'too short').toBe(true);
      expect(store.put(data), name).toBeUndefined();
    }
    expect(store.liveBytes).toBe(0);
    // A rejected decode is not committed: the next payload takes its place and reads back intact.
    const after = bytes(5000, 9).toString('base64');
    const ref = store.put(after);
    expect(ref && store.read(ref)).toBe(after);
  });

  it('reclaims freed space: a sparse slab moves its payloads to the current one and goes', () => {
    const store = new ArtifactByteStore({ minSlabBytes: 64 * 1024, maxSlabBytes: 64 * 1024 });
    const texts = Array.from({ length: 40 }, (_, i) => bytes(12_000, i + 1).toString('base64'));
    const refs = texts.map((text) => store.put(text));
    expect(store.liveBytes).toBe(40 * 12_000);
    // Five 12,000-byte payloads fit in a 64 KiB slab: eight slabs.
    expect(store.heldBytes).toBe(8 * 64 * 1024);
    // Keep one payload in five: every full slab falls to a fifth live and is reclaimed.
    refs.forEach((ref, i) => {
      if (i % 5 !== 0 && ref) store.free(ref);
    });
    expect(store.liveBytes).toBe(8 * 12_000);
    expect(store.heldBytes).toBeLessThanOrEqual(3 * 64 * 1024);
    refs.forEach((ref, i) => {
      if (i % 5 === 0) expect(ref && store.read(ref)).toBe(texts[i]);
    });
    for (const [i, ref] of refs.entries()) if (i % 5 === 0 && ref) store.free(ref);
    expect(store.liveBytes).toBe(0);
    expect(store.heldBytes).toBeLessThanOrEqual(64 * 1024);
  });

  it('gives a payload larger than a slab a slab of its own, and drops it when freed', () => {
    const store = new ArtifactByteStore({ minSlabBytes: 64 * 1024, maxSlabBytes: 64 * 1024 });
    const small = store.put(bytes(10_000).toString('base64'));
    const bigText = bytes(200_000, 2).toString('base64');
    const big = store.put(bigText);
    expect(big && store.read(big)).toBe(bigText);
    expect(store.heldBytes).toBe(64 * 1024 + 200_000);
    // The current slab kept its room.
    store.put(bytes(10_000, 3).toString('base64'));
    expect(store.heldBytes).toBe(64 * 1024 + 200_000);
    if (big) store.free(big);
    expect(store.heldBytes).toBe(64 * 1024);
    expect(small && store.read(small)).toBe(bytes(10_000).toString('base64'));
  });
});

describe('InMemoryArtifactService: large payloads off the JS heap', () => {
  it('saves 24 MB of recordings without growing the JS heap, and loads them back unchanged', async () => {
    const service = new InMemoryArtifactService();
    gc();
    const before = process.memoryUsage();
    // 600 KiB each: base64 under 1 MB, so Node makes ordinary heap strings of them (not external).
    const size = 600 * 1024;
    const count = 40;
    for (let i = 0; i < count; i++) {
      const data = bytes(size, i + 1).toString('base64');
      await service.saveArtifact({
        ...scope,
        filename: `take-${i}.wav`,
        artifact: { inlineData: { data, mimeType: 'audio/wav' } },
      });
    }
    gc();
    const after = process.memoryUsage();
    // As strings the payloads would be 32 MB of heap; the caller's strings are garbage now.
    expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeGreaterThanOrEqual(count * size);
    const loaded = await service.loadArtifact({ ...scope, filename: 'take-3.wav' });
    expect(loaded?.inlineData?.data === bytes(size, 4).toString('base64')).toBe(true);
    const versions = await service.listArtifactVersions({ ...scope, filename: 'take-0.wav' });
    expect(versions[0]?.sizeBytes).toBe(size);
  });

  it('hands back exactly what it was given, canonical or not, and forgets deleted payloads', async () => {
    const service = new InMemoryArtifactService();
    const canonical = bytes(30_000).toString('base64');
    const unpadded = bytes(30_001).toString('base64').replace(/=+$/, '');
    for (const [filename, data] of [
      ['a.bin', canonical],
      ['b.bin', unpadded],
    ] as const) {
      await service.saveArtifact({
        ...scope,
        filename,
        artifact: { inlineData: { data, mimeType: 'application/octet-stream' } },
      });
      const loaded = await service.loadArtifact({ ...scope, filename });
      expect(loaded).toEqual({ inlineData: { data, mimeType: 'application/octet-stream' } });
      // A loaded part is the caller's to change: the stored one is not affected.
      if (loaded?.inlineData) loaded.inlineData.data = 'AAAA';
      expect((await service.loadArtifact({ ...scope, filename }))?.inlineData?.data).toBe(data);
    }
    await service.deleteArtifact({ ...scope, filename: 'a.bin' });
    expect(await service.loadArtifact({ ...scope, filename: 'a.bin' })).toBeUndefined();
    expect((await service.loadArtifact({ ...scope, filename: 'b.bin' }))?.inlineData?.data).toBe(unpadded);
  });
});
