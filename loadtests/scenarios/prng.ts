/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same sequence in
 * Node and in k6, so Poisson arrivals and synthetic test data are reproducible.
 * Pure: no Node or k6 imports.
 */

/** Returns a generator of floats in [0, 1) for `seed` (any 32-bit integer). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A per-stream seed from a run seed and a stream index, so streams of one run are independent. */
export function streamSeed(runSeed: number, index: number): number {
  // Golden-ratio increment, then a murmur3 finaliser: neighbouring indexes land far apart.
  let h = (runSeed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit seed from text (FNV-1a): k6 VUs share nothing, so they derive the run seed from RUN_ID. */
export function seedFromText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
