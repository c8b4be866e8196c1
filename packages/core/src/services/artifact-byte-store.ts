/**
 * Shorter base64 text stays a string: a few KiB on the JS heap cost less than the bookkeeping.
 */
export const MIN_STORED_BYTES_CHARS = 4096;
/**
 * Longer text stays a string too: V8 puts strings over 128 KiB straight into its large-object
 * space, which no young-generation GC copies, and Node's encoder makes strings over ~1 MB
 * external (off the heap already). Decoding them again would only cost time (measured: a
 * 10-minute recording saved 1.88× the decode-concatenate-encode baseline, against 1.29–1.48
 * before slabs).
 */
export const MAX_STORED_BYTES_CHARS = 1024 * 1024;
// Each new slab counts once towards V8's next full GC: few, large ones (virtual memory: the
// pages a slab never wrote cost no RSS).
const MIN_SLAB_BYTES = 16 * 1024 * 1024;
const MAX_SLAB_BYTES = 256 * 1024 * 1024;

interface Slab {
  readonly buffer: Buffer;
  /** Bytes handed out from the start of `buffer`. */
  used: number;
  /** Of those, bytes still referenced. */
  live: number;
  readonly refs: Set<StoredBytes>;
}

/** Where one payload's bytes are. Moved in place when its slab is compacted. */
export interface StoredBytes {
  slab: Slab;
  offset: number;
  readonly length: number;
}

/**
 * Large base64 payloads kept as their bytes, off the JS heap, packed into slabs (16 MiB growing
 * fourfold to 256 MiB; a larger payload gets a slab of its own). As strings, recordings saved
 * every few seconds per session were copied by every young-generation GC they survived; as a buffer each,
 * V8 counts every new buffer towards its next full GC (at 150 recording sessions: 19 full GCs in
 * 10 s instead of 1). A slab is counted once. Only text that encodes back to itself is taken
 * (see `put`), so a store hands back exactly what it was given. Freed space is reclaimed when a
 * slab's live bytes fall under a quarter of what it handed out: the rest moves to the current
 * slab and the old one is dropped, so at most ~4× the live bytes stay held.
 */
export class ArtifactByteStore {
  private current: Slab | undefined;
  private readonly slabs = new Set<Slab>();
  private readonly retired: Slab[] = [];
  private nextSlabBytes: number;
  private readonly maxSlabBytes: number;

  /** Slab sizes are options for tests; the defaults suit a store of recordings. */
  constructor({ minSlabBytes = MIN_SLAB_BYTES, maxSlabBytes = MAX_SLAB_BYTES } = {}) {
    this.nextSlabBytes = minSlabBytes;
    this.maxSlabBytes = Math.max(minSlabBytes, maxSlabBytes);
  }

  /** Bytes of the slabs held (payloads, freed space not yet reclaimed, and room left). */
  get heldBytes(): number {
    let bytes = 0;
    for (const slab of this.slabs) bytes += slab.buffer.length;
    return bytes;
  }

  /** Bytes of the payloads stored now. */
  get liveBytes(): number {
    let bytes = 0;
    for (const slab of this.slabs) bytes += slab.live;
    return bytes;
  }

  /**
   * Stores the bytes of `data` when it is `MIN_STORED_BYTES_CHARS` to `MAX_STORED_BYTES_CHARS`
   * long and encoding them again gives `data` back: standard alphabet and padding, zero bits
   * after the last byte, as every encoder writes. Otherwise undefined (base64url, missing padding, whitespace, stray
   * bits, text that is not base64), and the caller keeps the string.
   */
  put(data: string): StoredBytes | undefined {
    const length = data.length;
    if (length < MIN_STORED_BYTES_CHARS || length > MAX_STORED_BYTES_CHARS || length % 4 !== 0)
      return undefined;
    // Node's decoder also reads base64url's two characters, which would come back as '+' and '/'.
    if (data.indexOf('-') !== -1 || data.indexOf('_') !== -1) return undefined;
    const padding = data.charCodeAt(length - 1) === 0x3d ? (data.charCodeAt(length - 2) === 0x3d ? 2 : 1) : 0;
    const byteLength = (length / 4) * 3 - padding;
    const slab = this.slabWithRoom(byteLength);
    const offset = slab.used;
    // Nothing is committed until both checks pass; a rejected decode's bytes are overwritten later.
    // Node skips characters outside the alphabet and stops at a '=' before the end: fewer bytes.
    const decoded = slab.buffer.write(data, offset, byteLength, 'base64') === byteLength;
    // Only the last group can hold bits no byte keeps ("QR==" decodes as "QQ==" does).
    const lastGroup = offset + (length / 4 - 1) * 3;
    const ref =
      decoded && slab.buffer.toString('base64', lastGroup, offset + byteLength) === data.slice(length - 4)
        ? this.commit(slab, byteLength)
        : undefined;
    // A slab of its own that a rejected decode left empty goes now; any other slab stays.
    this.reclaim(slab);
    this.reclaimRetired();
    return ref;
  }

  /** The base64 text of stored bytes. */
  read(ref: StoredBytes): string {
    return ref.slab.buffer.toString('base64', ref.offset, ref.offset + ref.length);
  }

  /** The bytes are no longer needed; `ref` must not be used again. */
  free(ref: StoredBytes): void {
    const slab = ref.slab;
    if (!slab.refs.delete(ref)) return;
    slab.live -= ref.length;
    this.reclaim(slab);
    this.reclaimRetired();
  }

  private commit(slab: Slab, length: number): StoredBytes {
    const ref: StoredBytes = { slab, offset: slab.used, length };
    slab.used += length;
    slab.live += length;
    slab.refs.add(ref);
    return ref;
  }

  /**
   * A slab that is not the current one goes once it holds nothing, or once its live bytes fell
   * under a quarter of what it handed out: its payloads move to the current slab first.
   */
  private reclaim(slab: Slab): void {
    if (slab === this.current || (slab.live > 0 && slab.live * 4 >= slab.used)) return;
    this.slabs.delete(slab);
    for (const moved of slab.refs) {
      const target = this.slabWithRoom(moved.length);
      slab.buffer.copy(target.buffer, target.used, moved.offset, moved.offset + moved.length);
      moved.slab = target;
      moved.offset = target.used;
      target.used += moved.length;
      target.live += moved.length;
      target.refs.add(moved);
    }
    slab.refs.clear();
  }

  /** Slabs replaced as the current one since the last call: each may be reclaimable by now. */
  private reclaimRetired(): void {
    while (this.retired.length > 0) this.reclaim(this.retired.pop() as Slab);
  }

  private slabWithRoom(bytes: number): Slab {
    const current = this.current;
    if (current !== undefined && current.buffer.length - current.used >= bytes) return current;
    // Larger than a new slab would be: a slab of its own, and the current one keeps its room.
    if (bytes > this.nextSlabBytes) return this.newSlab(bytes);
    const slab = this.newSlab(this.nextSlabBytes);
    this.nextSlabBytes = Math.min(this.nextSlabBytes * 4, this.maxSlabBytes);
    this.current = slab;
    if (current !== undefined) this.retired.push(current);
    return slab;
  }

  private newSlab(size: number): Slab {
    // Not zero-filled: only ranges written by `put` are ever read. Untouched pages cost no RSS.
    const slab: Slab = { buffer: Buffer.allocUnsafeSlow(size), used: 0, live: 0, refs: new Set() };
    this.slabs.add(slab);
    return slab;
  }
}
