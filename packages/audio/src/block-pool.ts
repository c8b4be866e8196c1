/**
 * Free audio blocks kept for the next segments, so a steady stream of recordings reuses the same
 * memory instead of allocating and freeing a few hundred KiB per segment. Freed buffers are
 * external memory V8 counts towards its next full GC: at 150 recording sessions the churn made
 * it collect ten times as often. Only the standard block sizes are kept (`sizes`), up to
 * `maxFreeBytes` in all; anything else is left to the GC.
 */
export class BlockPool {
  private readonly free = new Map<number, Buffer[]>();
  private freeBytes = 0;

  constructor(
    private readonly sizes: ReadonlySet<number>,
    private readonly maxFreeBytes: number,
  ) {}

  /** Bytes of free blocks held now. */
  get heldBytes(): number {
    return this.freeBytes;
  }

  /** A block of exactly `size` bytes; its contents are whatever was there (never read before written). */
  take(size: number): Buffer {
    const block = this.free.get(size)?.pop();
    if (block === undefined) return Buffer.allocUnsafeSlow(size);
    this.freeBytes -= size;
    return block;
  }

  /** Blocks no longer in use: the caller keeps no reference to them. */
  give(blocks: readonly Buffer[]): void {
    for (const block of blocks) {
      const size = block.length;
      if (!this.sizes.has(size) || this.freeBytes + size > this.maxFreeBytes) continue;
      let list = this.free.get(size);
      if (list === undefined) {
        list = [];
        this.free.set(size, list);
      }
      list.push(block);
      this.freeBytes += size;
    }
  }
}
