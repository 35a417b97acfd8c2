/**
 * Distinct client source addresses on one machine. Linux routes all of 127.0.0.0/8 to the
 * loopback interface, so a client can bind any 127.x.y.z as its local address and a proxy hashing
 * the client address (HAProxy `balance source`, Nginx `hash $remote_addr`) sees distinct clients
 * instead of one. With lab hosts (spec `hosts` > 1) the clients bind the lab network's client
 * addresses instead (`topology.clientAddresses(n)`, in LAB_HOST_BLOCK, on this machine's end of the
 * lab gateway). Nothing else is ever bound: this project uses no other network.
 */
import { isIPv4 } from 'node:net';
import { LAB_HOST_BLOCK } from '../../topology/subnets.js';

/** Most addresses a count may ask for: 127.0.0.1 … 127.0.0.254. */
export const MAX_SOURCE_ADDRESSES = 254;

/** The one message every invalid `sourceAddresses` setting is rejected with. */
export const SOURCE_ADDRESSES_ERROR = `sourceAddresses: a whole number from 1 to ${MAX_SOURCE_ADDRESSES} (127.0.0.1 … 127.0.0.N) or a non-empty list of 127.x.y.z (or lab client ${LAB_HOST_BLOCK.firstOctets}.x.y) IPv4 addresses; only loopback and lab source addresses are allowed`;

/**
 * How the runner spreads its clients over local addresses: a count N (127.0.0.1 … 127.0.0.N) or
 * explicit 127.x.y.z addresses. Clients take them round-robin by client index.
 */
export type SourceAddresses = number | readonly string[];

const isLoopbackV4 = (address: string): boolean => isIPv4(address) && address.split('.')[0] === '127';
const isLabV4 = (address: string): boolean =>
  isIPv4(address) && address.startsWith(`${LAB_HOST_BLOCK.firstOctets}.`);

/**
 * The addresses to bind, in round-robin order; `[]` when no binding is wanted (a count of 1, or
 * unset: the OS picks the source address, today's behaviour). Throws `SOURCE_ADDRESSES_ERROR`.
 */
export function resolveSourceAddresses(config: SourceAddresses | undefined): string[] {
  if (config === undefined) return [];
  if (typeof config === 'number') {
    if (!Number.isInteger(config) || config < 1 || config > MAX_SOURCE_ADDRESSES) {
      throw new Error(SOURCE_ADDRESSES_ERROR);
    }
    return config === 1 ? [] : Array.from({ length: config }, (_, i) => `127.0.0.${i + 1}`);
  }
  if (
    !Array.isArray(config) ||
    config.length === 0 ||
    !config.every((a) => typeof a === 'string' && (isLoopbackV4(a) || isLabV4(a)))
  ) {
    throw new Error(SOURCE_ADDRESSES_ERROR);
  }
  return [...config];
}

/** The address client `index` binds (undefined: let the OS choose). */
export function sourceAddressFor(addresses: readonly string[], index: number): string | undefined {
  return addresses.length === 0 ? undefined : addresses[index % addresses.length];
}

/**
 * A bound IPv4 loopback source can reach only IPv4 loopback targets, and a lab client address only
 * lab hosts: reject other targets up front instead of failing every handshake with
 * EINVAL/ENETUNREACH.
 */
export function checkTargetsForSourceAddresses(urls: readonly string[], addresses: readonly string[]): void {
  if (addresses.length === 0) return;
  const lab = addresses.some(isLabV4);
  if (lab && !addresses.every(isLabV4)) {
    throw new Error('sourceAddresses: mixes loopback and lab addresses; a run uses one network');
  }
  for (const url of urls) {
    const host = new URL(url).hostname;
    if (lab && !isLabV4(host)) {
      throw new Error(
        `sourceAddresses: target ${url} is not a lab host (${LAB_HOST_BLOCK.firstOctets}.x.y); bound lab sources can only reach lab hosts`,
      );
    }
    if (!lab && !isLoopbackV4(host)) {
      throw new Error(
        `sourceAddresses: target ${url} is not a 127.x.y.z address; bound loopback sources can only reach IPv4 loopback targets`,
      );
    }
  }
}
