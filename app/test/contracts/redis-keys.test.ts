import { describe, expect, it } from 'vitest';
import {
  broadcastChannel,
  keySlot,
  roomHashTag,
  roomKeys,
  roomOfChannel,
} from '../../src/contracts/redis-keys.js';

describe('room keys', () => {
  it('puts a room stream, meta and channel under one hash tag, hence one cluster slot', () => {
    const keys = roomKeys('chat:42', 'wslab');
    expect(keys).toEqual({
      stream: 'wslab:{chat:42}:s',
      meta: 'wslab:{chat:42}:m',
      channel: 'wslab:{chat:42}:c',
    });
    expect(roomHashTag('chat:42')).toBe('{chat:42}');
    const slots = new Set([keys.stream, keys.meta, keys.channel, 'chat:42'].map((key) => keySlot(key)));
    expect(slots.size).toBe(1);
  });

  it('spreads rooms evenly over the three masters of a default cluster', () => {
    // redis-cli --cluster create gives 3 masters 0-5460, 5461-10922, 10923-16383.
    const perMaster = [0, 0, 0];
    const rooms = 30_000;
    for (let i = 0; i < rooms; i += 1) {
      const slot = keySlot(roomKeys(`room-${i}`).channel);
      perMaster[slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2]! += 1;
    }
    for (const count of perMaster) expect(Math.abs(count - rooms / 3)).toBeLessThan(rooms * 0.02);
  });

  it('computes the slots Redis computes (CLUSTER KEYSLOT reference values)', () => {
    // Reference values from `redis-cli CLUSTER KEYSLOT` on Redis 7.0.
    const reference: Array<[string, number]> = [
      ['foo', 12182],
      ['foo{}{bar}', 8363],
      ['foo{{bar}}zap', 4015],
      ['foo{bar}{zap}', 5061],
      ['{user1000}.following', 3443],
      ['123456789', 12739],
      ['wslab:{chat:42}:c', 8175],
      ['héllo', 11061],
    ];
    for (const [key, slot] of reference) expect([key, keySlot(key)]).toEqual([key, slot]);
  });

  it('maps channels back to rooms and ignores foreign ones', () => {
    expect(roomOfChannel(roomKeys('a.b-c', 'p').channel, 'p')).toBe('a.b-c');
    expect(roomOfChannel('p:{x}:s', 'p')).toBeUndefined();
    expect(roomOfChannel('other:{x}:c', 'p')).toBeUndefined();
    expect(broadcastChannel('p')).toBe('p:broadcast');
  });
});
