import { describe, expect, it } from 'vitest';
import { LAB_HOST_BLOCK, STACK_ADDRESS_BLOCK } from '../../topology/subnets.js';
import { runScenario } from './index.js';
import {
  checkTargetsForSourceAddresses,
  resolveSourceAddresses,
  SOURCE_ADDRESSES_ERROR,
  sourceAddressFor,
} from './source-addresses.js';

describe('source addresses', () => {
  it('maps a count to 127.0.0.1 … 127.0.0.N and spreads clients round-robin', () => {
    expect(resolveSourceAddresses(undefined)).toEqual([]);
    expect(resolveSourceAddresses(1)).toEqual([]);
    const addresses = resolveSourceAddresses(16);
    expect(addresses).toHaveLength(16);
    expect(addresses[0]).toBe('127.0.0.1');
    expect(addresses[15]).toBe('127.0.0.16');
    expect(sourceAddressFor(addresses, 17)).toBe('127.0.0.2');
    expect(sourceAddressFor([], 5)).toBeUndefined();
    expect(resolveSourceAddresses(['127.1.2.3', '127.0.0.9'])).toEqual(['127.1.2.3', '127.0.0.9']);
    // the lab network's client addresses (topology.clientAddresses with hosts > 1)
    const labClients = [`${LAB_HOST_BLOCK.firstOctets}.3.100`, `${LAB_HOST_BLOCK.firstOctets}.3.101`];
    expect(resolveSourceAddresses(labClients)).toEqual(labClients);
  });

  it.each([
    0,
    255,
    2.5,
    -3,
    [],
    ['192.0.2.1'],
    // a private address outside the lab's block (the Docker stacks' block)
    [`${STACK_ADDRESS_BLOCK.firstOctets}.0.5`],
    ['127.0.0.1', '198.51.100.10'],
    ['::1'],
    ['127.0.0.256'],
    ['localhost'],
  ])('rejects %j with the one message', (config) => {
    expect(() => resolveSourceAddresses(config as number | string[])).toThrow(SOURCE_ADDRESSES_ERROR);
  });

  it('rejects non-loopback-v4 targets only when addresses are bound', () => {
    const labHost = `${LAB_HOST_BLOCK.firstOctets}.3.10`;
    const labClient = `${LAB_HOST_BLOCK.firstOctets}.3.100`;
    expect(() => checkTargetsForSourceAddresses(['ws://[::1]:8080/ws'], [])).not.toThrow();
    expect(() => checkTargetsForSourceAddresses(['ws://127.0.0.1:8080/ws'], ['127.0.0.2'])).not.toThrow();
    expect(() => checkTargetsForSourceAddresses(['ws://localhost:8080/ws'], ['127.0.0.2'])).toThrow(
      /not a 127\.x\.y\.z address/,
    );
    expect(() => checkTargetsForSourceAddresses([`ws://${labHost}:80/ws`], [labClient])).not.toThrow();
    expect(() => checkTargetsForSourceAddresses(['ws://127.0.0.1:80/ws'], [labClient])).toThrow(
      /not a lab host/,
    );
    expect(() => checkTargetsForSourceAddresses([`ws://${labHost}:80/ws`], ['127.0.0.2'])).toThrow(
      /not a 127\.x\.y\.z address/,
    );
    expect(() => checkTargetsForSourceAddresses([`ws://${labHost}:80/ws`], ['127.0.0.2', labClient])).toThrow(
      /mixes loopback and lab/,
    );
  });

  it('runScenario rejects an invalid setting before any client connects', async () => {
    // Nothing listens on port 9: a run that got as far as connecting would fail differently.
    const target = { url: 'ws://127.0.0.1:9/ws' };
    await expect(
      runScenario('fanout', { subscribers: 1, publishers: 1 }, target, { sourceAddresses: ['203.0.113.1'] }),
    ).rejects.toThrow(SOURCE_ADDRESSES_ERROR);
    await expect(
      runScenario('connect_ramp', { connections: 1 }, target, { sourceAddresses: 300 }),
    ).rejects.toThrow(SOURCE_ADDRESSES_ERROR);
  });
});
