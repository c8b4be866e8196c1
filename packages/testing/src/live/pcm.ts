export interface Pcm16ToneOptions {
  /** Duration in milliseconds (rounded down to whole samples). */
  ms: number;
  /** Sample rate in Hz, e.g. 16 000 for input, 24 000 for model output. */
  rate: number;
  /** Different seeds give different bytes, so consecutive chunks are told apart (default 1). */
  seed?: number;
}

/**
 * Deterministic 16-bit little-endian mono PCM: a sine whose pitch and phase depend on the seed,
 * plus a little seeded noise so no two seeds share a byte pattern. Same options, same bytes.
 */
export function pcm16Tone({ ms, rate, seed = 1 }: Pcm16ToneOptions): Buffer {
  if (!(ms >= 0) || !(rate > 0)) throw new RangeError(`pcm16Tone: bad ms=${ms} or rate=${rate}`);
  const samples = Math.floor((ms * rate) / 1000);
  const out = Buffer.alloc(samples * 2);
  const frequency = 200 + (Math.abs(seed) % 40) * 20;
  const phase = (Math.abs(seed) % 7) / 7;
  let noise = (seed * 2_654_435_761) >>> 0 || 1;
  for (let i = 0; i < samples; i++) {
    // xorshift32: cheap, deterministic noise
    noise ^= noise << 13;
    noise ^= noise >>> 17;
    noise ^= noise << 5;
    noise >>>= 0;
    const tone = Math.sin(2 * Math.PI * (frequency * (i / rate) + phase)) * 9_000;
    const jitter = (noise % 513) - 256;
    out.writeInt16LE(Math.round(tone + jitter), i * 2);
  }
  return out;
}
