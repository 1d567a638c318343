// A Bloom filter over SHA-256 digests: "certainly not registered" answered in memory, so unknown keys cost no store call.

/** 0.1 % false positives: a flood of unknown tokens reaches the store for about 1 in 1,000. */
export const FALSE_POSITIVE_RATE = 0.001;
const LN2_SQUARED = Math.LN2 * Math.LN2;

/** The two 32-bit hashes the filter derives its probes from, taken from a hex SHA-256 digest (already uniform). */
export function hashPair(hexDigest: string): [number, number] {
  const h1 = Number.parseInt(hexDigest.slice(0, 8), 16) >>> 0;
  // Odd, so the probe sequence h1 + i·h2 never collapses to one bit.
  const h2 = (Number.parseInt(hexDigest.slice(8, 16), 16) | 1) >>> 0;
  return [h1, h2];
}

/**
 * Sized for `capacity` keys at FALSE_POSITIVE_RATE (m = −n·ln p / ln²2 bits, k = m/n · ln 2 probes), probes by
 * Kirsch–Mitzenmacher double hashing. Hand-written on purpose: the keys are SHA-256 digests, so the filter needs no
 * hash function of its own, and the npm filters rehash every key with a slower pure-JS hash and bring many dependencies.
 */
export class BloomFilter {
  readonly bits: number;
  readonly probes: number;
  private readonly words: Uint32Array;
  /** Keys added (with repeats): past `capacity` the false-positive rate rises and the owner should rebuild. */
  added = 0;

  constructor(readonly capacity: number) {
    this.bits = Math.max(64, Math.ceil((-capacity * Math.log(FALSE_POSITIVE_RATE)) / LN2_SQUARED));
    this.probes = Math.max(1, Math.round((this.bits / capacity) * Math.LN2));
    this.words = new Uint32Array(Math.ceil(this.bits / 32));
  }

  get bytes(): number {
    return this.words.byteLength;
  }

  add([h1, h2]: [number, number]): void {
    for (let i = 0; i < this.probes; i++) {
      const bit = (h1 + i * h2) % this.bits;
      this.words[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.added++;
  }

  mayContain([h1, h2]: [number, number]): boolean {
    for (let i = 0; i < this.probes; i++) {
      const bit = (h1 + i * h2) % this.bits;
      if ((this.words[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
