/**
 * Every private subnet the project uses, in one place, so no two parts can pick overlapping ones.
 *
 * - `STACK_ADDRESS_BLOCK`: the Docker deployment (infra/); each stack's network is a /24 of it.
 * - `LAB_HOST_BLOCK`: the lab hosts (runtime/hosts/); each running lab network is a /24 of it,
 *   with the gateway (this machine's side) at `.1`, host `i` at `.10 + i` (up to `.99`) and the
 *   lab's client addresses (also on this machine's side, for the load clients) from `.100`.
 */
export const STACK_ADDRESS_BLOCK = { firstOctets: '10.213', prefixLength: 16 } as const;

export const LAB_HOST_BLOCK = { firstOctets: '10.214', prefixLength: 16 } as const;

/** The lab network's address of this machine (the gateway into the lab bridge). */
export const LAB_GATEWAY_HOST_NUMBER = 1;
/** Lab host `i` (0-based) gets `.FIRST_LAB_HOST_NUMBER + i` of its network's /24. */
export const FIRST_LAB_HOST_NUMBER = 10;
/** Hosts per lab network: .10 to .99. */
export const MAX_LAB_HOSTS = 90;
/** Client address `i` (0-based) is `.FIRST_LAB_CLIENT_NUMBER + i`, beside the gateway. */
export const FIRST_LAB_CLIENT_NUMBER = 100;
/** Client addresses per lab network: .100 to .254. */
export const MAX_LAB_CLIENT_ADDRESSES = 155;

/** The /24 of lab network `third` (its third octet, 0..255). */
export function labSubnet(third: number): {
  subnet: string;
  gateway: string;
  host(index: number): string;
  client(index: number): string;
} {
  if (!Number.isInteger(third) || third < 0 || third > 255) {
    throw new Error(`lab subnet index ${third} is outside 0..255`);
  }
  const base = `${LAB_HOST_BLOCK.firstOctets}.${third}`;
  return {
    subnet: `${base}.0/24`,
    gateway: `${base}.${LAB_GATEWAY_HOST_NUMBER}`,
    host(index) {
      if (!Number.isInteger(index) || index < 0 || index >= MAX_LAB_HOSTS) {
        throw new Error(`lab host index ${index} is outside 0..${MAX_LAB_HOSTS - 1}`);
      }
      return `${base}.${FIRST_LAB_HOST_NUMBER + index}`;
    },
    client(index) {
      if (!Number.isInteger(index) || index < 0 || index >= MAX_LAB_CLIENT_ADDRESSES) {
        throw new Error(`lab client address index ${index} is outside 0..${MAX_LAB_CLIENT_ADDRESSES - 1}`);
      }
      return `${base}.${FIRST_LAB_CLIENT_NUMBER + index}`;
    },
  };
}
