import { InvalidArgumentError } from '@earshot/core';
import { BlockPool } from './block-pool.js';

// Block sizes are multiples of 3, so the base64 of the whole is the concatenation of each full
// block's base64: encoding needs no contiguous copy. They double from 12 KiB to 768 KiB, so a
// short turn holds little and a long segment a few dozen blocks.
const MIN_BLOCK_BYTES = 3 * 4096;
const MAX_BLOCK_BYTES = 3 * 262_144;
/** The sizes blocks double through: the ones a pool keeps. */
const STANDARD_BLOCK_BYTES: ReadonlySet<number> = new Set(
  Array.from(
    { length: Math.log2(MAX_BLOCK_BYTES / MIN_BLOCK_BYTES) + 1 },
    (_, i) => MIN_BLOCK_BYTES * 2 ** i,
  ),
);

/** A pool for blocks of `Base64BlockBuffer`s, holding at most `maxFreeBytes` of free blocks. */
export function newBlockPool(maxFreeBytes: number): BlockPool {
  return new BlockPool(STANDARD_BLOCK_BYTES, maxFreeBytes);
}

// base64 of one zero byte: the RIFF pad byte, when the last block has no room left for it.
const ZERO_BYTE_BASE64 = 'AA==';

/**
 * Bytes appended from base64 chunks into a list of blocks: decoded in place (no per-chunk
 * allocation), never copied to grow, and encoded back to base64 block by block. Only a chunk
 * that straddles two blocks is decoded into a temporary buffer first.
 */
export class Base64BlockBuffer {
  private blocks: Buffer[] = [];
  /** Bytes used in the last block; every earlier block is full. */
  private lastUsed = 0;
  private total = 0;

  private readonly pool: BlockPool | undefined;

  /**
   * `reserve` leading bytes are left for the caller to fill in later (e.g. a file header).
   * Blocks come from `pool` when given, and go back to it on `release`.
   */
  constructor({ reserve = 0, pool }: { reserve?: number; pool?: BlockPool } = {}) {
    this.pool = pool;
    if (reserve > 0) {
      this.addBlock(reserve);
      this.lastUsed = reserve;
      this.total = reserve;
    }
  }

  /** Bytes held, reserve included. */
  get length(): number {
    return this.total;
  }

  /** Memory held by the blocks. */
  get capacity(): number {
    let bytes = 0;
    for (const block of this.blocks) bytes += block.length;
    return bytes;
  }

  /** The first block, where the reserved bytes are. */
  get head(): Buffer | undefined {
    return this.blocks[0];
  }

  /**
   * Decodes `data` onto the end. `expectedBytes` (from `expectedBase64Bytes`) is what valid
   * base64 of that length decodes to; anything shorter means invalid characters, and then
   * nothing is appended (`InvalidArgumentError`).
   */
  appendBase64(data: string, expectedBytes: number): void {
    if (expectedBytes === 0) return;
    let block = this.blocks.at(-1);
    if (!block || block.length === this.lastUsed) block = this.addBlock(expectedBytes);
    if (expectedBytes <= block.length - this.lastUsed) {
      const written = block.write(data, this.lastUsed, expectedBytes, 'base64');
      if (written !== expectedBytes) throw notBase64();
      this.lastUsed += written;
      this.total += written;
      return;
    }
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length !== expectedBytes) throw notBase64();
    let copied = 0;
    while (copied < bytes.length) {
      let target = this.blocks.at(-1);
      if (!target || target.length === this.lastUsed) target = this.addBlock(bytes.length - copied);
      const n = bytes.copy(target, this.lastUsed, copied);
      copied += n;
      this.lastUsed += n;
      this.total += n;
    }
  }

  /** base64 of everything held (one concatenated string), plus a zero byte at the end if asked. */
  toBase64({ trailingZero = false }: { trailingZero?: boolean } = {}): string {
    let text = '';
    const last = this.blocks.length - 1;
    for (let i = 0; i < last; i++) text += (this.blocks[i] as Buffer).toString('base64');
    const lastBlock = this.blocks[last];
    if (!lastBlock) return trailingZero ? ZERO_BYTE_BASE64 : '';
    if (trailingZero && this.lastUsed < lastBlock.length) {
      lastBlock[this.lastUsed] = 0;
      return text + lastBlock.toString('base64', 0, this.lastUsed + 1);
    }
    text += lastBlock.toString('base64', 0, this.lastUsed);
    return trailingZero ? text + ZERO_BYTE_BASE64 : text;
  }

  /** A contiguous copy of the bytes from `start` on (for the rare callers that need one). */
  toBuffer(start = 0): Buffer {
    const out = Buffer.allocUnsafe(Math.max(0, this.total - start));
    let position = 0;
    let written = 0;
    const last = this.blocks.length - 1;
    this.blocks.forEach((block, i) => {
      const used = i === last ? this.lastUsed : block.length;
      const from = Math.max(0, start - position);
      if (from < used) written += block.copy(out, written, from, used);
      position += used;
    });
    return out;
  }

  /** Gives the blocks back to the pool (if any) and holds nothing more: the buffer is empty after. */
  release(): void {
    this.pool?.give(this.blocks);
    this.blocks = [];
    this.lastUsed = 0;
    this.total = 0;
  }

  private addBlock(atLeast: number): Buffer {
    const previous = this.blocks.at(-1)?.length ?? MIN_BLOCK_BYTES / 2;
    const size = Math.max(Math.min(previous * 2, MAX_BLOCK_BYTES), Math.min(atLeast, MAX_BLOCK_BYTES));
    // Round up to a multiple of 3 so the block's base64 can be concatenated with the next one's.
    const bytes = Math.ceil(size / 3) * 3;
    const block = this.pool ? this.pool.take(bytes) : Buffer.allocUnsafe(bytes);
    this.blocks.push(block);
    this.lastUsed = 0;
    return block;
  }
}

function notBase64(): InvalidArgumentError {
  return new InvalidArgumentError('blob.data is not valid base64', { field: 'blob.data' });
}
