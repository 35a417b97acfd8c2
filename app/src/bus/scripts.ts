import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { RoomKeys } from '../contracts/redis-keys.js';

/** A client that runs commands: a single-node client or a cluster (routing by KEYS[1]'s slot). */
export type RedisCommander = Redis | Cluster;

/** The scripts live in their own files so they can be read, linted and tried with redis-cli --eval. */
const PUBLISH_LUA = readFileSync(new URL('./lua/publish.lua', import.meta.url), 'utf8');
const READ_LUA = readFileSync(new URL('./lua/read.lua', import.meta.url), 'utf8');

const PUBLISH_COMMAND = 'wslabPublish';
const READ_COMMAND = 'wslabRead';

/** Raw reply of read.lua: top offset, epoch, missed flag, XRANGE entries. */
export type ReadReply = [number, string, number, Array<[string, string[]]>];

interface ScriptMethods {
  [PUBLISH_COMMAND](...args: Array<string | number>): Promise<[number, string]>;
  [READ_COMMAND](...args: Array<string | number>): Promise<ReadReply>;
}

/** A pipeline that also knows the scripts (ioredis adds defined commands to pipelines). */
interface ScriptPipeline {
  [PUBLISH_COMMAND](...args: Array<string | number>): ScriptPipeline;
  wait(replicas: number, timeoutMs: number): ScriptPipeline;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** Replicas did not confirm a publish in time: it is stored on the master but could be lost in a failover. */
export class ReplicaAckError extends Error {
  constructor(
    readonly confirmed: number,
    readonly required: number,
  ) {
    super(`publish confirmed by ${confirmed} of ${required} replicas`);
    this.name = 'ReplicaAckError';
  }
}

/**
 * The history scripts on one client. ioredis's defineCommand sends EVALSHA
 * and falls back to EVAL on NOSCRIPT, which also covers a freshly promoted
 * cluster master that never saw the script.
 */
export class HistoryScripts {
  private readonly client: RedisCommander & ScriptMethods;

  constructor(client: RedisCommander) {
    client.defineCommand(PUBLISH_COMMAND, { numberOfKeys: 3, lua: PUBLISH_LUA });
    client.defineCommand(READ_COMMAND, { numberOfKeys: 2, lua: READ_LUA });
    this.client = client as RedisCommander & ScriptMethods;
  }

  /**
   * Runs publish.lua: append, cap, expire, (s)publish. With `replicaAcks` > 0
   * a WAIT follows in the same pipeline (so on the same node, the slot's
   * master) and the publish only resolves once that many replicas have it:
   * Redis replication is asynchronous, and without WAIT a master killed right
   * after acknowledging can take the entry with it.
   */
  async publish(
    keys: RoomKeys,
    body: string,
    historySize: number,
    ttlS: number,
    epochCandidate: string,
    publishCommand: 'publish' | 'spublish',
    replicas: { acks: number; timeoutMs: number } = { acks: 0, timeoutMs: 0 },
  ): Promise<[number, string]> {
    const args = [
      keys.stream,
      keys.meta,
      keys.channel,
      body,
      historySize,
      ttlS,
      epochCandidate,
      publishCommand,
    ];
    if (replicas.acks <= 0) return this.client[PUBLISH_COMMAND](...args);
    const pipeline = this.client.pipeline() as unknown as ScriptPipeline;
    const replies = await pipeline[PUBLISH_COMMAND](...args)
      .wait(replicas.acks, replicas.timeoutMs)
      .exec();
    const [published, waited] = replies ?? [];
    if (published === undefined || waited === undefined) throw new Error('publish: pipeline aborted');
    if (published[0] !== null) throw published[0];
    if (waited[0] !== null) throw waited[0];
    const confirmed = Number(waited[1]);
    if (confirmed < replicas.acks) throw new ReplicaAckError(confirmed, replicas.acks);
    return published[1] as [number, string];
  }

  /** Runs read.lua; `sinceOffset` undefined asks for the position only. */
  read(
    keys: RoomKeys,
    epochCandidate: string,
    ttlS: number,
    sinceOffset: number | undefined,
    sinceEpoch: string,
  ): Promise<ReadReply> {
    return this.client[READ_COMMAND](
      keys.stream,
      keys.meta,
      epochCandidate,
      ttlS,
      sinceOffset === undefined ? '' : sinceOffset,
      sinceEpoch,
    );
  }
}
