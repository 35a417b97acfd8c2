/**
 * Every private subnet the project uses, in one place, so no two parts can pick overlapping ones.
 *
 * - `STACK_ADDRESS_BLOCK`: the Docker deployment (infra/); each stack's network is a /24 of it.
 * - `LAB_HOST_BLOCK`: the lab hosts (runtime/hosts/); each running lab network is a /24 of it,
 *   with the gateway (this machine's side) at `.1`, host `i` at `.10 + i` (up to `.99`) and the
 *   lab's client addresses (also on this machine's side, for the load clients) from `.100`.
 * - `SWARM_OVERLAY_BLOCK`: the Swarm deployment's overlay networks (infra/swarm/).
 * - `SWARM_HOST_BLOCK`: docker0 and the local bridges of the dockerd inside each Swarm lab host.
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

/**
 * The Docker Swarm deployment (infra/swarm/, `platform: swarm`): each stack's overlay network is a
 * /24 of the lower half (picked from a hash of the stack's prefix, as STACK_ADDRESS_BLOCK's), and
 * `swarm init --default-addr-pool` takes the upper half (the ingress network and any overlay
 * Docker creates itself).
 */
export const SWARM_OVERLAY_BLOCK = { firstOctets: '10.215', prefixLength: 16 } as const;
/** `docker swarm init --default-addr-pool`: the upper half of SWARM_OVERLAY_BLOCK, /24 each. */
export const SWARM_DEFAULT_ADDR_POOL = {
  cidr: `${SWARM_OVERLAY_BLOCK.firstOctets}.128.0/17`,
  maskLength: 24,
};

/** The overlay /24 of a stack network (third octet 0..127: the lower half of SWARM_OVERLAY_BLOCK). */
export function swarmOverlaySubnet(third: number): { subnet: string; gateway: string } {
  if (!Number.isInteger(third) || third < 0 || third > 127) {
    throw new Error(`swarm overlay subnet index ${third} is outside 0..127`);
  }
  const base = `${SWARM_OVERLAY_BLOCK.firstOctets}.${third}`;
  return { subnet: `${base}.0/24`, gateway: `${base}.1` };
}

/**
 * The local networks of the dockerd inside lab host `index`: its docker0 (`--bip`) and the pool
 * its own bridges (docker_gwbridge among them) come from (`--default-address-pool`), so none of
 * them collides with this machine's docker0 (172.17/16), the lab bridge or another host's.
 * 10.216.<16·index>.0/24 is docker0; 10.216.<16·index + 8>.0/21 the pool, /24 each.
 */
export const SWARM_HOST_BLOCK = { firstOctets: '10.216', prefixLength: 16 } as const;
export const MAX_SWARM_HOSTS = 16;

export function swarmHostSubnets(index: number): { bip: string; pool: string; poolSize: number } {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_SWARM_HOSTS) {
    throw new Error(`swarm host index ${index} is outside 0..${MAX_SWARM_HOSTS - 1}`);
  }
  const third = 16 * index;
  return {
    bip: `${SWARM_HOST_BLOCK.firstOctets}.${third}.1/24`,
    pool: `${SWARM_HOST_BLOCK.firstOctets}.${third + 8}.0/21`,
    poolSize: 24,
  };
}
