/**
 * The set of sequence numbers (1, 2, 3, …) one subscriber received from one publisher:
 * a growable bitset, so a long run costs one bit per message instead of a Set entry.
 */
export class SequenceSet {
  private bits = new Uint8Array(64);
  /** Highest sequence number added so far (0 when empty). */
  highest = 0;

  /** Adds `seq`; returns false when it was already there (a duplicate). */
  add(seq: number): boolean {
    if (!Number.isInteger(seq) || seq < 1) return false;
    const byte = seq >>> 3;
    if (byte >= this.bits.length) {
      let size = this.bits.length * 2;
      while (size <= byte) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (seq & 7);
    if ((this.bits[byte]! & mask) !== 0) return false;
    this.bits[byte]! |= mask;
    if (seq > this.highest) this.highest = seq;
    return true;
  }

  has(seq: number): boolean {
    const byte = seq >>> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (seq & 7))) !== 0;
  }
}

/** Sequence numbers as sorted, non-overlapping inclusive ranges: compact over IPC. */
export type SeqRanges = Array<[number, number]>;

/** Builds ranges from sequence numbers added in any order. */
export function toRanges(seqs: Iterable<number>): SeqRanges {
  const sorted = [...seqs].sort((a, b) => a - b);
  const ranges: SeqRanges = [];
  for (const seq of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && seq <= last[1] + 1) last[1] = Math.max(last[1], seq);
    else ranges.push([seq, seq]);
  }
  return ranges;
}

export function rangesSize(ranges: SeqRanges): number {
  let size = 0;
  for (const [from, to] of ranges) size += to - from + 1;
  return size;
}

/** How many sequence numbers of `ranges` are missing from `set`. */
export function countMissing(ranges: SeqRanges, set: SequenceSet | undefined): number {
  if (!set) return rangesSize(ranges);
  let missing = 0;
  for (const [from, to] of ranges) for (let seq = from; seq <= to; seq += 1) if (!set.has(seq)) missing += 1;
  return missing;
}

/** True when `seq` is in one of the ranges (binary search). */
export function rangesHave(ranges: SeqRanges, seq: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const [from, to] = ranges[mid]!;
    if (seq < from) high = mid - 1;
    else if (seq > to) low = mid + 1;
    else return true;
  }
  return false;
}
