import { describe, expect, it } from 'vitest';
import type { BusEntry } from '../../src/bus/bus.js';
import { type ReadSince, RoomSequencer } from '../../src/bus/room-sequencer.js';
import type { StreamPosition } from '../../src/contracts/protocol.js';

// Per-room ordering and gap repair without Redis: the store is a list of entries per room.
function entry(room: string, offset: number, epoch = 'e1', ephemeral = false): BusEntry {
  return { room, offset, epoch, ts: 0, dataJson: String(offset), origin: 'o', ephemeral };
}

interface Harness {
  sequencer: RoomSequencer;
  delivered: Array<[string, number, string]>;
  reads: Array<[string, StreamPosition]>;
  /** Resolves the oldest pending read with the stored entries after its position (or rejects). */
  answerRead(outcome?: 'ok' | 'missed' | 'fail'): Promise<void>;
  store: Map<string, BusEntry[]>;
}

function harness(): Harness {
  const store = new Map<string, BusEntry[]>();
  const reads: Array<[string, StreamPosition]> = [];
  const waiting: Array<(outcome: 'ok' | 'missed' | 'fail') => void> = [];
  const read: ReadSince = (room, since) => {
    reads.push([room, since]);
    return new Promise((resolve, reject) => {
      waiting.push((outcome) => {
        if (outcome === 'fail') return reject(new Error('store down'));
        const entries = (store.get(room) ?? []).filter(
          (e) => e.epoch === since.epoch && e.offset > since.offset,
        );
        resolve({ entries: outcome === 'missed' ? [] : entries, missed: outcome === 'missed' });
      });
    });
  };
  const delivered: Array<[string, number, string]> = [];
  const sequencer = new RoomSequencer(read, (e) => delivered.push([e.room, e.offset, e.epoch]));
  return {
    sequencer,
    delivered,
    reads,
    store,
    async answerRead(outcome = 'ok') {
      const next = waiting.shift();
      if (next === undefined) throw new Error('no read is waiting');
      next(outcome);
      // Let the read's then/finally run.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('RoomSequencer', () => {
  it('delivers in-order entries at once, without reading', () => {
    const { sequencer, delivered, reads } = harness();
    sequencer.track('a');
    for (const offset of [1, 2, 3]) sequencer.accept(entry('a', offset));
    expect(delivered).toEqual([
      ['a', 1, 'e1'],
      ['a', 2, 'e1'],
      ['a', 3, 'e1'],
    ]);
    expect(reads).toEqual([]);
  });

  it('starts at whatever offset comes first after tracking (nothing to fill)', () => {
    const { sequencer, delivered, reads } = harness();
    sequencer.track('a');
    sequencer.accept(entry('a', 41));
    sequencer.accept(entry('a', 42));
    expect(delivered.map(([, offset]) => offset)).toEqual([41, 42]);
    expect(reads).toEqual([]);
  });

  it('buffers entries behind a gap, repairs it through the read callback, then delivers what waited in order', async () => {
    const h = harness();
    h.sequencer.track('a');
    h.sequencer.accept(entry('a', 1));
    h.store.set('a', [entry('a', 1), entry('a', 2), entry('a', 3), entry('a', 4), entry('a', 5)]);
    h.sequencer.accept(entry('a', 4));
    // Arrives while the read is in flight, out of order.
    h.sequencer.accept(entry('a', 6));
    h.sequencer.accept(entry('a', 5));
    expect(h.delivered.map(([, offset]) => offset)).toEqual([1]);
    expect(h.reads).toEqual([['a', { offset: 1, epoch: 'e1' }]]);
    await h.answerRead();
    expect(h.delivered.map(([, offset]) => offset)).toEqual([1, 2, 3, 4, 5, 6]);
    // Back to in-order delivery.
    h.sequencer.accept(entry('a', 7));
    expect(h.delivered.map(([, offset]) => offset)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('drops duplicates: a live copy of an entry already delivered (live or repaired)', async () => {
    const h = harness();
    h.sequencer.track('a');
    h.sequencer.accept(entry('a', 1));
    h.sequencer.accept(entry('a', 1));
    h.store.set('a', [entry('a', 2), entry('a', 3)]);
    h.sequencer.accept(entry('a', 3));
    await h.answerRead();
    h.sequencer.accept(entry('a', 2));
    h.sequencer.accept(entry('a', 3));
    expect(h.delivered.map(([, offset]) => offset)).toEqual([1, 2, 3]);
  });

  it('follows an epoch change (lost stream) without reading: the count restarts', async () => {
    const h = harness();
    h.sequencer.track('a');
    h.sequencer.accept(entry('a', 7, 'old'));
    h.sequencer.accept(entry('a', 1, 'new'));
    h.sequencer.accept(entry('a', 2, 'new'));
    expect(h.delivered).toEqual([
      ['a', 7, 'old'],
      ['a', 1, 'new'],
      ['a', 2, 'new'],
    ]);
    expect(h.reads).toEqual([]);
  });

  it('when the epoch changes during a repair, delivers the new epoch from its first entry', async () => {
    const h = harness();
    h.sequencer.track('a');
    h.sequencer.accept(entry('a', 1, 'old'));
    h.sequencer.accept(entry('a', 3, 'old'));
    h.sequencer.accept(entry('a', 1, 'new'));
    await h.answerRead('missed');
    expect(h.delivered).toEqual([
      ['a', 1, 'old'],
      ['a', 3, 'old'],
      ['a', 1, 'new'],
    ]);
  });

  it('delivers what waited when the read fails (the gap stays), and keeps rooms apart', async () => {
    const h = harness();
    h.sequencer.track('a');
    h.sequencer.track('b');
    h.sequencer.accept(entry('a', 1));
    h.sequencer.accept(entry('a', 3));
    h.sequencer.accept(entry('b', 1));
    await h.answerRead('fail');
    expect(h.delivered).toEqual([
      ['a', 1, 'e1'],
      ['b', 1, 'e1'],
      ['a', 3, 'e1'],
    ]);
  });

  it('passes unordered entries (offset 0) straight through and drops untracked rooms', () => {
    const h = harness();
    h.sequencer.track('a');
    h.sequencer.accept(entry('a', 0, '', true));
    h.sequencer.accept(entry('other', 1));
    expect(h.delivered).toEqual([['a', 0, '']]);
  });

  it('repairAll reads each tracked room from its last offset; an untracked room delivers nothing afterwards', async () => {
    const h = harness();
    h.sequencer.track('a');
    h.sequencer.track('b');
    h.sequencer.track('fresh');
    h.sequencer.accept(entry('a', 2));
    h.sequencer.accept(entry('b', 5));
    h.store.set('a', [entry('a', 3)]);
    h.store.set('b', [entry('b', 6)]);
    h.sequencer.repairAll();
    // A room that never delivered has no position to read from.
    expect(h.reads).toEqual([
      ['a', { offset: 2, epoch: 'e1' }],
      ['b', { offset: 5, epoch: 'e1' }],
    ]);
    await h.answerRead();
    h.sequencer.untrack('b');
    await h.answerRead();
    expect(h.delivered).toEqual([
      ['a', 2, 'e1'],
      ['b', 5, 'e1'],
      ['a', 3, 'e1'],
    ]);
  });
});
