import { randomFillSync } from 'node:crypto';

/*
 * Event ids are random (version 4) UUIDs, one per event: for live audio that is every 40 ms of
 * every session. Node's `randomUUID()` builds its string from ~20 concatenated pieces, so each
 * id is a rope of cons strings (~540 bytes of heap while it lives, ~240 ns) until something
 * flattens it; events kept in a session keep the whole rope. Here the hex digits are written
 * into a byte buffer and read out once: one flat 36-character string (~56 bytes), from the same
 * cryptographic source, drawn in 4 KiB batches as Node's own UUIDs are.
 */

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;
const text = Buffer.allocUnsafe(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 bytes goes in `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`. */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
text[8] = text[13] = text[18] = text[23] = 0x2d; // '-'

/** A random version 4 UUID, as `crypto.randomUUID()` returns, in lower-case hex. */
export function randomEventId(): string {
  if (offset + 16 > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  for (let i = 0; i < 16; i++) {
    let byte = pool[offset + i] as number;
    if (i === 6)
      byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
    const at = AT[i] as number;
    text[at] = HEX[byte >> 4] as number;
    text[at + 1] = HEX[byte & 0x0f] as number;
  }
  offset += 16;
  return text.toString('latin1', 0, 36);
}
