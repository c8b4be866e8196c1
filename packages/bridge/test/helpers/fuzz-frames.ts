/** Deterministic random frames for the fuzz test (xorshift32: same seed, same frames). */
export class FuzzRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  next(): number {
    this.state ^= this.state << 13;
    this.state ^= this.state >>> 17;
    this.state ^= this.state << 5;
    this.state >>>= 0;
    return this.state / 0x1_0000_0000;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
}

export type FuzzFrame = { data: Buffer | string; binary: boolean; kind: string };

const VALID_TYPES = ['activityStart', 'activityEnd', 'text', 'image'];
const NASTY_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  ' ',
  '\u0000',
  '\ud800',
  'x'.repeat(20_000),
  [],
  {},
  { __proto__: { polluted: true } },
  'image/png',
  'AAAA',
  '====',
];

/** One random frame: valid frames of each type, JSON near-misses, garbage text, odd or random binary. */
export function fuzzFrame(random: FuzzRandom): FuzzFrame {
  switch (random.int(10)) {
    case 0:
      return { kind: 'valid-json', binary: false, data: JSON.stringify(validFrame(random)) };
    case 1:
    case 2: {
      const frame: Record<string, unknown> = validFrame(random);
      const key = random.pick(['type', 'text', 'mimeType', 'data', 'extra', 'constructor', '__proto__']);
      frame[key] = random.pick(NASTY_VALUES);
      return { kind: 'mutated-json', binary: false, data: JSON.stringify(frame) };
    }
    case 3: {
      const json = JSON.stringify(validFrame(random));
      const cut = random.int(json.length + 1);
      return { kind: 'truncated-json', binary: false, data: json.slice(0, cut) };
    }
    case 4:
      return {
        kind: 'json-value',
        binary: false,
        data: JSON.stringify(random.pick(NASTY_VALUES)) ?? 'undefined',
      };
    case 5: {
      // Random bytes, made valid UTF-8 (invalid UTF-8 closes the socket, covered separately).
      return { kind: 'garbage-text', binary: false, data: random.bytes(random.int(300)).toString('utf8') };
    }
    case 6:
      return { kind: 'odd-binary', binary: true, data: random.bytes(random.int(50) * 2 + 1) };
    case 7:
      return { kind: 'empty-binary', binary: true, data: Buffer.alloc(0) };
    default:
      return { kind: 'audio', binary: true, data: random.bytes((random.int(40) + 1) * 64) };
  }
}

function validFrame(random: FuzzRandom): Record<string, unknown> {
  const type = random.pick(VALID_TYPES);
  if (type === 'text') return { type, text: `fuzz ${random.int(1e6)}` };
  if (type === 'image')
    return { type, mimeType: random.pick(['image/png', 'image/jpeg']), data: 'iVBORw0KGgo=' };
  return { type };
}
