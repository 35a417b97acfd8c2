import { LAB_HOST_BLOCK, labSubnet } from '../../topology/subnets.js';
import { ProcessCgroup } from '../cgroup.js';
import { runInNamespace, runNetworkCommand } from './command.js';
import { LabFirewall } from './firewall.js';
import { LabHost, type LabHostSpec } from './host.js';
import {
  BRIDGE_NAME,
  checkNamePart,
  GATEWAY_PORT_NAME,
  gatewayLinkName,
  HOST_LINK_NAME,
  hostNamespace,
  netnsPath,
  switchNamespace,
  switchPortName,
} from './names.js';
import { listNamespaces, listRootLinks, removeNowSync, removeStaleLabNetworks } from './sweep.js';

export interface LabNetworkOptions {
  /** 1 to 12 lower-case letters or digits; part of every namespace's name. Default `lab`. */
  name?: string;
  hosts: readonly LabHostSpec[];
}

/** Networks of this process not removed yet: removed on exit too (a crashed test leaves nothing). */
const open = new Set<LabNetwork>();
let exitHookInstalled = false;
let labSequence = 0;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const network of open) network.removeNowSync();
  });
}

/** A /24 of LAB_HOST_BLOCK no address of this machine is in (another lab's, or anything else). */
async function freeThirdOctet(): Promise<number> {
  const text = await runNetworkCommand('ip', ['-4', '-o', 'addr', 'show']);
  const prefix = `${LAB_HOST_BLOCK.firstOctets}.`.replaceAll('.', '\\.');
  const used = new Set(
    [...text.matchAll(new RegExp(`inet ${prefix}(\\d+)\\.`, 'g'))].map((m) => Number(m[1])),
  );
  // start from the pid so labs started side by side rarely race for the same one
  for (let offset = 0; offset < 256; offset += 1) {
    const third = (process.pid + offset) % 256;
    if (!used.has(third)) return third;
  }
  throw new Error(`every /24 of ${LAB_HOST_BLOCK.firstOctets}.0.0/16 is in use on this machine`);
}

/**
 * The lab's hosts: a switch namespace holding the lab bridge, one namespace per host with a veth
 * pair to the bridge, and a gateway veth from this machine's namespace, so the lab's own
 * processes (load clients, collectors, tests) reach every host at its address.
 *
 * The bridge sits in a namespace of its own, not on this machine: what it forwards then passes
 * only the lab's nftables table, never the machine's firewall (Docker's FORWARD policy drop, with
 * br_netfilter, would drop bridged traffic), and only the project's own names are ever touched.
 */
export class LabNetwork {
  readonly hosts: LabHost[] = [];
  readonly firewall: LabFirewall;
  private removed = false;
  /** What was made so far, in order: remove() undoes a creation that failed half-way too. */
  private readonly madeNamespaces: string[] = [];
  private readonly madeCgroups: ProcessCgroup[] = [];
  /** Client addresses added to the gateway link so far (clientAddresses()). */
  private readonly clients: string[] = [];
  private clientsAdded: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly name: string,
    readonly subnet: string,
    /** This machine's address on the lab network. */
    readonly gateway: string,
    readonly gatewayLink: string,
    readonly switchNamespace: string,
    private readonly addressOf: ReturnType<typeof labSubnet>,
  ) {
    this.firewall = new LabFirewall(netnsPath(switchNamespace));
  }

  get switchNetnsPath(): string {
    return netnsPath(this.switchNamespace);
  }

  /**
   * Creates the network and its hosts (leftovers of killed labs are removed first). Fails with the
   * exact reason where namespaces cannot be made (not root: `ip netns add` says so).
   */
  static async create(options: LabNetworkOptions): Promise<LabNetwork> {
    const name = checkNamePart('lab network', options.name ?? 'lab');
    const names = options.hosts.map((host) => checkNamePart('lab host', host.name));
    const duplicate = names.find((host, index) => names.indexOf(host) !== index);
    if (duplicate !== undefined) throw new Error(`lab host "${duplicate}" is declared twice`);
    await removeStaleLabNetworks();
    // a gateway name no link has (test workers sharing one pid each count from 1)
    const links = new Set(await listRootLinks());
    do labSequence += 1;
    while (links.has(gatewayLinkName(process.pid, labSequence)));
    const namespace = switchNamespace(process.pid, name);
    if ((await listNamespaces()).includes(namespace)) {
      throw new Error(
        `lab network "${name}" already exists in this process (${namespace}); give each one its own name`,
      );
    }
    const third = await freeThirdOctet();
    const addresses = labSubnet(third);
    const network = new LabNetwork(
      name,
      addresses.subnet,
      addresses.gateway,
      gatewayLinkName(process.pid, labSequence),
      namespace,
      addresses,
    );
    installExitHook();
    open.add(network);
    try {
      await network.createSwitch();
      for (const [index, spec] of options.hosts.entries()) {
        network.hosts.push(await network.createHost(spec, index, addresses.host(index)));
      }
      return network;
    } catch (error) {
      await network.remove();
      throw new Error(`lab hosts: ${(error as Error).message}`);
    }
  }

  private async createSwitch(): Promise<void> {
    await this.addNamespace(this.switchNamespace);
    await runNetworkCommand(
      'ip',
      ['-n', this.switchNamespace, '-batch', '-'],
      [`link set lo up`, `link add ${BRIDGE_NAME} type bridge`, `link set ${BRIDGE_NAME} up`].join('\n'),
    );
    await runNetworkCommand('ip', [
      'link',
      'add',
      this.gatewayLink,
      'type',
      'veth',
      'peer',
      'name',
      GATEWAY_PORT_NAME,
      'netns',
      this.switchNamespace,
    ]);
    await this.plugIntoBridge(GATEWAY_PORT_NAME);
    await runNetworkCommand('ip', ['addr', 'add', `${this.gateway}/24`, 'dev', this.gatewayLink]);
    await runNetworkCommand('ip', ['link', 'set', this.gatewayLink, 'up']);
    await this.firewall.install();
  }

  /** Puts a veth end that sits in the switch namespace on the lab bridge and brings it up. */
  private async plugIntoBridge(portName: string): Promise<void> {
    await runNetworkCommand('ip', [
      '-n',
      this.switchNamespace,
      'link',
      'set',
      portName,
      'master',
      BRIDGE_NAME,
      'up',
    ]);
  }

  private async createHost(spec: LabHostSpec, index: number, address: string): Promise<LabHost> {
    const namespace = hostNamespace(process.pid, this.name, spec.name);
    const port = switchPortName(index);
    await this.addNamespace(namespace);
    const cgroup = ProcessCgroup.createParent(`host-${this.name}-${spec.name}`, {
      cpuCores: spec.cpuCores,
      memoryMiB: spec.memoryMiB,
    });
    if (cgroup) this.madeCgroups.push(cgroup);
    const host = new LabHost(spec, index, namespace, address, port, this.switchNetnsPath, cgroup);
    await runNetworkCommand('ip', [
      'link',
      'add',
      HOST_LINK_NAME,
      'netns',
      namespace,
      'type',
      'veth',
      'peer',
      'name',
      port,
      'netns',
      this.switchNamespace,
    ]);
    await this.plugIntoBridge(port);
    await runNetworkCommand(
      'ip',
      ['-n', namespace, '-batch', '-'],
      [
        `link set lo up`,
        `addr add ${address}/24 dev ${HOST_LINK_NAME}`,
        `link set ${HOST_LINK_NAME} up`,
      ].join('\n'),
    );
    if (spec.bandwidthMbitPerS !== undefined) await host.capBandwidth(spec.bandwidthMbitPerS);
    return host;
  }

  private async addNamespace(namespace: string): Promise<void> {
    await runNetworkCommand('ip', ['netns', 'add', namespace]);
    this.madeNamespaces.push(namespace);
  }

  host(name: string): LabHost {
    const host = this.hosts.find((candidate) => candidate.name === name);
    if (!host) throw new Error(`no lab host "${name}" (have ${this.hosts.map((h) => h.name).join(', ')})`);
    return host;
  }

  /**
   * `count` distinct source addresses for the lab's own clients (load runner, probes), on this
   * machine's end of the gateway (`.100` up): a client that binds one as its `localAddress` reaches
   * the hosts from it, so per-address limits and source hashing on a host see distinct clients.
   * Added on first ask, kept until remove() (they go with the gateway link). Their traffic crosses
   * the gateway's bridge port: a fault on `gateway` (lab/faults/silent.ts) hits them all.
   */
  clientAddresses(count: number): Promise<string[]> {
    // one caller at a time: two adding the same next address would collide
    const next = this.clientsAdded.then(async () => {
      while (this.clients.length < count) {
        const address = this.addressOf.client(this.clients.length);
        await runNetworkCommand('ip', ['addr', 'add', `${address}/24`, 'dev', this.gatewayLink]);
        this.clients.push(address);
      }
      return this.clients.slice(0, count);
    });
    this.clientsAdded = next.catch(() => undefined);
    return next;
  }

  /** Every namespace this network made (switch first). */
  namespaces(): string[] {
    return [this.switchNamespace, ...this.hosts.map((host) => host.namespace)];
  }

  /**
   * Removes the gateway link, every namespace (their links and rules go with them) and the hosts'
   * cgroups. Stop the processes on the hosts first: a namespace lives on while a process is in it.
   * Idempotent.
   */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    open.delete(this);
    if ((await listRootLinks()).includes(this.gatewayLink)) {
      await runNetworkCommand('ip', ['link', 'del', this.gatewayLink]).catch(() => undefined);
    }
    for (const namespace of [...this.madeNamespaces].reverse()) {
      await runNetworkCommand('ip', ['netns', 'del', namespace]).catch(() => undefined);
    }
    await Promise.all(this.madeCgroups.map((cgroup) => cgroup.remove()));
  }

  /** remove() for an 'exit' handler: links and namespaces only (cgroups go with the next start's sweep). */
  removeNowSync(): void {
    open.delete(this);
    removeNowSync([this.gatewayLink], this.madeNamespaces);
  }

  /** Runs a tool inside the switch namespace (the lab bridge's), e.g. `bridge link`. */
  execInSwitch(command: string, args: readonly string[]): Promise<string> {
    return runInNamespace(this.switchNetnsPath, command, args);
  }
}
