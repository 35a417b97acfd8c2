import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { RoomKeys } from './keys.js';

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

  /** Runs publish.lua: append, cap, expire, (s)publish. */
  publish(
    keys: RoomKeys,
    body: string,
    historySize: number,
    ttlS: number,
    epochCandidate: string,
    publishCommand: 'publish' | 'spublish',
  ): Promise<[number, string]> {
    return this.client[PUBLISH_COMMAND](
      keys.stream,
      keys.meta,
      keys.channel,
      body,
      historySize,
      ttlS,
      epochCandidate,
      publishCommand,
    );
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
