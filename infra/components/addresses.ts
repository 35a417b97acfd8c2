import { createHash } from 'node:crypto';
import { STACK_ADDRESS_BLOCK } from '../../topology/subnets.js';

/**
 * The Docker deployment's addresses, from STACK_ADDRESS_BLOCK (topology/subnets.ts). Each stack's network is a /24 of it,
 * picked from a hash of the stack's container prefix (so stacks side by side get different
 * subnets; Docker refuses a network whose subnet overlaps another one, with that message).
 * Redis nodes get fixed addresses (a Redis Cluster node remembers its peers by IP: with
 * addresses handed out in start order, a restart in another order leaves peers unreachable);
 * every other container gets one from the upper half only, so it never takes a node's.
 */

/** Fixed addresses start here (.10, .11, …); dynamic ones come from .128/25. */
const FIRST_FIXED_HOST = 10;
const MAX_FIXED = 64;

export interface StackAddressPlan {
  /** The network's subnet, e.g. 10.213.42.0/24. */
  subnet: string;
  gateway: string;
  /** Where Docker picks addresses for containers without a fixed one. */
  dynamicRange: string;
  /** The fixed address of Redis node `index` (0-based). */
  redisNode(index: number): string;
}

/** A byte (0..255) picked from a hash of the stack's prefix: stacks side by side get different subnets. */
export function prefixHashByte(containerPrefix: string): number {
  return createHash('sha256').update(containerPrefix).digest()[0]!;
}

export function stackAddressPlan(containerPrefix: string): StackAddressPlan {
  const third = prefixHashByte(containerPrefix);
  const base = `${STACK_ADDRESS_BLOCK.firstOctets}.${third}`;
  return {
    subnet: `${base}.0/24`,
    gateway: `${base}.1`,
    dynamicRange: `${base}.128/25`,
    redisNode(index) {
      if (!Number.isInteger(index) || index < 0 || index >= MAX_FIXED) {
        throw new Error(`redis node index ${index} is outside 0..${MAX_FIXED - 1}`);
      }
      return `${base}.${FIRST_FIXED_HOST + index}`;
    },
  };
}
