/**
 * Keeps a couple of spare body buffers between saves. Decoding each artifact into fresh
 * memory costs page faults and GC churn that, for multi-MiB audio, add up to a good share of
 * a PutObject. A buffer comes back only after a save succeeded, i.e. after the store read the
 * whole body, so nothing can still be sending from it.
 */
export class BufferPool {
  private readonly spares: ArrayBuffer[] = [];

  constructor(private readonly options: { minBytes: number; maxBytes: number; maxSpares: number }) {}

  /** A buffer of exactly `size` bytes (contents undefined). */
  acquire(size: number): Buffer {
    if (size >= this.options.minBytes && size <= this.options.maxBytes) {
      // Reuse a spare that fits without holding on to much more than needed.
      const i = this.spares.findIndex((spare) => spare.byteLength >= size && spare.byteLength <= size * 2);
      const spare = i >= 0 ? this.spares.splice(i, 1)[0] : undefined;
      if (spare) return Buffer.from(spare, 0, size);
      return Buffer.allocUnsafeSlow(size);
    }
    return Buffer.allocUnsafe(size);
  }

  /** Gives back a buffer from `acquire`; the caller must not touch it afterwards. */
  release(buffer: Buffer): void {
    const backing = buffer.buffer;
    if (!(backing instanceof ArrayBuffer) || buffer.byteOffset !== 0) return; // a pooled slice: not ours
    if (backing.byteLength < this.options.minBytes || backing.byteLength > this.options.maxBytes) return;
    if (this.spares.includes(backing)) return;
    this.spares.push(backing);
    if (this.spares.length > this.options.maxSpares) this.spares.shift();
  }
}
