/**
 * Delivery accounting for a subscriber that cannot ask publishers what they sent (k6 VUs do not
 * share memory): per publisher, the sequence numbers received; loss is the gaps below the highest
 * number seen (a lost tail is invisible here: the Node runner counts loss exactly instead).
 * Duplicates and out-of-order deliveries are exact. Pure: no Node or k6 imports.
 */
export interface GapCounts {
  delivered: number;
  duplicated: number;
  outOfOrder: number;
}

export class GapAccounting {
  private readonly seen = new Map<string, { seqs: Set<number>; highest: number }>();

  /** Records one delivery and says what it was. */
  record(publisher: string, seq: number): 'new' | 'duplicate' | 'out_of_order' {
    let entry = this.seen.get(publisher);
    if (!entry) {
      entry = { seqs: new Set(), highest: 0 };
      this.seen.set(publisher, entry);
    }
    if (entry.seqs.has(seq)) return 'duplicate';
    entry.seqs.add(seq);
    const highestBefore = entry.highest;
    if (seq > entry.highest) entry.highest = seq;
    return seq < highestBefore ? 'out_of_order' : 'new';
  }

  /** Sequence numbers missing below the highest seen, over all publishers. */
  gaps(): number {
    let missing = 0;
    for (const entry of this.seen.values()) missing += entry.highest - entry.seqs.size;
    return missing;
  }
}
