/**
 * Messages between the coordinator and its shards. A shard runs a slice of the clients, either
 * inline (same process) or in a child process: one runner process cannot hold 20 000 sockets
 * under this machine's 20 000 file-descriptor limit, and two processes use both cores.
 */
import type { ConnectRampParams } from '../scenarios/connect_ramp.js';
import type { StreamParams } from '../scenarios/definition.js';
import type { Outage } from './client.js';
import type { ClientSettings } from './options.js';
import type { SeqRanges } from './sequence-set.js';

export interface StreamShardPlan {
  kind: 'stream';
  shardIndex: number;
  urls: string[];
  params: StreamParams;
  clients: ClientSettings;
  /** This shard's share of the connect rate. */
  connectRatePerS: number;
  /** `localAddress`: the source address this client binds (unset: the OS picks). */
  subscribers: Array<{ index: number; room: string; urlIndex: number; localAddress?: string }>;
  publishers: Array<{ index: number; id: string; room: string; urlIndex: number; localAddress?: string }>;
  /** Room of every publisher of the run (all shards), for loss accounting. */
  publisherRooms: Record<string, string>;
}

export interface RampShardPlan {
  kind: 'ramp';
  shardIndex: number;
  urls: string[];
  params: ConnectRampParams;
  clients: ClientSettings;
  runId: string;
  /** Global index of this shard's first connection (room and URL assignment). */
  firstIndex: number;
  count: number;
  ratePerS: number;
}

export type ShardPlan = StreamShardPlan | RampShardPlan;

export type ShardCommand =
  | { type: 'init'; plan: ShardPlan }
  /** `seed`: the run's arrival seed (Poisson gaps); the same for every shard. */
  | { type: 'publish'; startAtMs: number; durationMs: number; seed: number }
  | { type: 'settle'; acked: Record<string, SeqRanges>; timeoutMs: number }
  | { type: 'finish' }
  | { type: 'abort' };

/** Snapshot for the progress line. */
export interface ShardProgress {
  open: number;
  published: number;
  delivered: number;
  reconnects: number;
  failures: number;
}

export interface OutageRecord extends Outage {
  role: 'publisher' | 'subscriber' | 'idle';
  client: number;
}

export interface ShardReport {
  counters: Record<string, number>;
  /** Encoded hdr histograms (µs) by metric name. */
  histograms: Record<string, string>;
  /** Per timeline bucket (sampleEveryMs wide, from the publish start): deliveries and latency. */
  timeline: Array<{ bucket: number; delivered: number; latency: string }>;
  outages: OutageRecord[];
  /** CPU time this shard's process used during the run (inline shards report 0: counted by the parent). */
  cpuUserUs: number;
  cpuSystemUs: number;
  peakOpen: number;
}

export type ShardMessage =
  /** `cpuUs`: CPU this shard's process used since the shard started (0 for inline shards). */
  | { type: 'ready'; opened: number; failures: number; cpuUs: number }
  | { type: 'progress'; progress: ShardProgress }
  | { type: 'published'; acked: Record<string, SeqRanges>; cpuUs: number }
  | { type: 'report'; report: ShardReport }
  | { type: 'error'; message: string };

/** The shard's side of the link to its coordinator. */
export interface ShardPort {
  post(message: ShardMessage): void;
  onCommand(handler: (command: ShardCommand) => void): void;
}
