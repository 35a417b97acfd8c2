/**
 * Names of everything a lab network creates, all with the project's prefix and the owning
 * process's pid in them, so a later lab can tell its own leftovers (owner dead) from another
 * running lab's (owner alive) and remove only those, by name.
 *
 * - namespaces (`ip netns`): `wslab-<pid>-<lab>-sw` (the switch holding the bridge) and
 *   `wslab-<pid>-<lab>-h-<host>` per host;
 * - the one link in this machine's own namespace, the gateway veth: `wslab<pid base 36>g<lab seq>`
 *   (at most 15 characters, the kernel's limit). Every other link lives inside a lab namespace and
 *   goes with it.
 */
export const NAMESPACE_PREFIX = 'wslab-';
const GATEWAY_LINK_PREFIX = 'wslab';
const NAME_PART = /^[a-z0-9]{1,12}$/;

/** The bridge inside the switch namespace. */
export const BRIDGE_NAME = 'wslab-br';
/** A host's own end of its veth pair, inside the host's namespace. */
export const HOST_LINK_NAME = 'eth0';
/** The nftables table (bridge family) of the lab's faults, in the switch namespace. */
export const FAULT_TABLE = 'wslab_lab';

export function checkNamePart(kind: string, value: string): string {
  if (!NAME_PART.test(value)) {
    throw new Error(`${kind} name must be 1 to 12 lower-case letters or digits, got "${value}"`);
  }
  return value;
}

export function switchNamespace(ownerPid: number, lab: string): string {
  return `${NAMESPACE_PREFIX}${ownerPid}-${lab}-sw`;
}

export function hostNamespace(ownerPid: number, lab: string, host: string): string {
  return `${NAMESPACE_PREFIX}${ownerPid}-${lab}-h-${host}`;
}

/** The switch's end of host `index`'s veth pair (inside the switch namespace, so short and local). */
export function switchPortName(index: number): string {
  return `p${index}`;
}

/** The switch's end of the gateway veth pair. */
export const GATEWAY_PORT_NAME = 'pgw';

export function gatewayLinkName(ownerPid: number, labSequence: number): string {
  return `${GATEWAY_LINK_PREFIX}${ownerPid.toString(36)}g${labSequence.toString(36)}`;
}

/** The owner pid of a lab namespace name, or undefined when the name is not one of ours. */
export function namespaceOwner(name: string): number | undefined {
  const match = /^wslab-(\d+)-[a-z0-9]+-(sw|h-[a-z0-9]+)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The owner pid of a gateway link name, or undefined when the name is not one of ours. */
export function gatewayLinkOwner(name: string): number | undefined {
  const match = /^wslab([0-9a-z]{1,5})g[0-9a-z]{1,3}$/.exec(name);
  return match ? Number.parseInt(match[1]!, 36) : undefined;
}

export function netnsPath(namespace: string): string {
  return `/run/netns/${namespace}`;
}
