import type { ProxyBackend } from '../../proxy/options.js';
import { resolveTopologySpec, type TopologySpec, type TopologySpecInput } from '../../topology/spec.js';
import type { ResourceCaps } from '../cgroup.js';
import type { ProcessHost } from '../managed-process.js';
import { freePort } from '../ports.js';
import { type LocalReplicaPlacement, type ReplicaHandle, startReplica } from '../replica.js';

/** One replica slot: a stable id and port; the process behind it changes on restart. */
export interface ReplicaSlot {
  readonly id: string;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** The address it binds: 127.0.0.1, or its lab host's. */
  readonly address: string;
  /** The lab host it runs on (undefined: this machine). */
  readonly host: ProcessHost | undefined;
  /** The running process, or undefined while the replica is down (killed, stopped). */
  handle: ReplicaHandle | undefined;
  /** True between freeze (SIGSTOP) and thaw (SIGCONT). */
  frozen: boolean;
}

export interface LocalWsServiceOptions {
  spec: TopologySpec;
  /** Where each replica's `<id>.log` goes. */
  logDir: string;
  /** Redis address and secrets every replica gets (LocalRedis.placement() plus keys). */
  placement: LocalReplicaPlacement;
  caps?: ResourceCaps;
  /** Instance ids are `<idPrefix><n>`, n from `firstNumber` (default `r` and 1: r1, r2…). */
  idPrefix?: string;
  firstNumber?: number;
  /** Another copy of the service (e.g. an older commit's `app/src/main.ts`); default this tree's. */
  entry?: string;
  /** Node flags before the entry (`--cpu-prof`). */
  nodeArgs?: readonly string[];
  /** Default 30 000 ms; a capped replica compiles its TypeScript at a fraction of a core. */
  startTimeoutMs?: number;
  /** The lab host of the `ordinal`-th replica added (0 for the first); unset: 127.0.0.1. */
  hostFor?: (ordinal: number) => ProcessHost | undefined;
}

export interface AddReplicaOptions {
  /** Default the next `<idPrefix><n>`. */
  id?: string;
  /** Settings this replica alone runs with, over the service's spec (a replica with pings off). */
  specChanges?: TopologySpecInput;
}

/**
 * The service's replicas as local processes, the counterpart of infra/components/ws-service.ts:
 * each one's env comes from the spec (topology/replica-env.ts), bound to 127.0.0.1 on its own port.
 * Replicas are ready (`/readyz`) before they count: proxies route to them at once.
 */
export class LocalWsService {
  readonly slots: ReplicaSlot[] = [];
  private readonly specOf = new Map<string, TopologySpec>();
  private nextNumber: number;
  /** Replicas added so far (their ordinal picks the host). */
  private added = 0;

  constructor(private readonly options: LocalWsServiceOptions) {
    this.nextNumber = options.firstNumber ?? 1;
  }

  get spec(): TopologySpec {
    return this.options.spec;
  }

  /** Starts `count` replicas: one after another by default (two cores, each compiles TypeScript on start). */
  async start(count: number, how: { parallel?: boolean } = {}): Promise<ReplicaSlot[]> {
    if (!how.parallel) {
      const started: ReplicaSlot[] = [];
      for (let index = 0; index < count; index += 1) started.push(await this.add());
      return started;
    }
    const outcomes = await Promise.allSettled(Array.from({ length: count }, () => this.add()));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    // they finished in any order: keep slots in id order (r1, r2, … r10)
    this.slots.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<ReplicaSlot>).value);
  }

  /** One more replica on a fresh port, appended to the slots. */
  async add(add: AddReplicaOptions = {}): Promise<ReplicaSlot> {
    const id = add.id ?? this.nextId();
    const spec = add.specChanges ? resolveTopologySpec({ ...this.spec, ...add.specChanges }) : this.spec;
    this.specOf.set(id, spec);
    const host = this.options.hostFor?.(this.added);
    this.added += 1;
    let slot: ReplicaSlot;
    try {
      slot = await this.spawnOnFreePort(id, host);
    } catch {
      // The free port can be taken by another process between pick and bind
      // (EADDRINUSE on a shared machine): one more try on a fresh port.
      slot = await this.spawnOnFreePort(id, host);
    }
    this.slots.push(slot);
    return slot;
  }

  private nextId(): string {
    const id = `${this.options.idPrefix ?? 'r'}${this.nextNumber}`;
    this.nextNumber += 1;
    return id;
  }

  private async spawnOnFreePort(id: string, host: ProcessHost | undefined): Promise<ReplicaSlot> {
    const port = await freePort();
    const address = host?.address ?? '127.0.0.1';
    const slot: ReplicaSlot = {
      id,
      port,
      httpUrl: `http://${address}:${port}`,
      wsUrl: `ws://${address}:${port}/ws`,
      address,
      host,
      handle: undefined,
      frozen: false,
    };
    slot.handle = await this.spawn(slot);
    return slot;
  }

  private spawn(slot: ReplicaSlot): Promise<ReplicaHandle> {
    const { logDir, placement, caps, entry, nodeArgs, startTimeoutMs } = this.options;
    return startReplica({
      logDir,
      spec: this.specOf.get(slot.id) ?? this.spec,
      placement,
      port: slot.port,
      name: slot.id,
      waitReady: true,
      ...(slot.host ? { host: slot.host } : {}),
      ...(caps ? { caps } : {}),
      ...(entry === undefined ? {} : { entry }),
      ...(nodeArgs === undefined ? {} : { nodeArgs }),
      ...(startTimeoutMs === undefined ? {} : { startTimeoutMs }),
    });
  }

  /** Finds a replica slot by id (r1, r2…). */
  slot(id: string): ReplicaSlot {
    const slot = this.slots.find((candidate) => candidate.id === id);
    if (!slot) throw new Error(`no replica "${id}" (have ${this.slots.map((r) => r.id).join(', ')})`);
    return slot;
  }

  /** Starts the process of a slot that is down (after kill or stop), on the same port. */
  async startAgain(id: string): Promise<ReplicaSlot> {
    const slot = this.slot(id);
    if (slot.handle?.process.running) throw new Error(`replica ${id} is already running`);
    slot.handle = await this.spawn(slot);
    slot.frozen = false;
    return slot;
  }

  /** The running replicas' handles, in id order. */
  handles(): ReplicaHandle[] {
    return this.slots.flatMap((slot) => (slot.handle ? [slot.handle] : []));
  }

  /** The replicas as proxy backends (each slot's address, 127.0.0.1 or its lab host's, and port). */
  backends(): ProxyBackend[] {
    return this.slots.map((slot) => ({ id: slot.id, host: slot.address, port: slot.port }));
  }

  /**
   * Stops every replica. Default SIGTERM with the drain window plus 5 s before SIGKILL; pass a
   * shorter grace where the caller does not wait for drains. Frozen ones are continued first.
   */
  async stop(how: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
    const signal = how.signal ?? 'SIGTERM';
    await Promise.allSettled(
      this.slots.map(async (slot) => {
        if (!slot.handle) return;
        // a frozen process cannot act on SIGTERM until it is continued
        if (slot.frozen) slot.handle.process.killNow('SIGCONT');
        slot.frozen = false;
        const graceMs = how.graceMs ?? (this.specOf.get(slot.id) ?? this.spec).drainWindowMs + 5_000;
        await slot.handle.process.stop(signal, graceMs);
      }),
    );
  }
}
