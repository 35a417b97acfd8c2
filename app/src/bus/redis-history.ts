import type { Cluster } from 'ioredis';
import type { StreamPosition } from '../contracts/protocol.js';
import { roomKeys } from '../contracts/redis-keys.js';
import type { BusEntry, HistoryRange, PublishRequest, PublishResult } from './bus.js';
import { decodeBody, encodeBody, encodePayload } from './codec.js';
import { BusDecodeError } from './errors.js';
import type { Fanout } from './fanout.js';
import { newEpoch, type ResolvedBusOptions } from './options.js';
import { HistoryScripts, type RedisCommander } from './scripts.js';

/**
 * The rooms' history in Redis: a publish through the append-and-publish
 * script (or a plain (S)PUBLISH when history is off or the entry is
 * ephemeral), position and range reads, and the decoding of stored entries.
 * Calls are not bounded here: the RedisBus bounds each one.
 */
export class RedisHistory {
  private readonly scripts: HistoryScripts;

  constructor(
    private readonly commands: RedisCommander,
    private readonly fanout: Pick<Fanout, 'channelFor' | 'publishCommand'>,
    private readonly options: ResolvedBusOptions,
    /** A stored entry that cannot be decoded is reported here and skipped. */
    private readonly onDecodeError: (error: Error) => void,
  ) {
    this.scripts = new HistoryScripts(commands);
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const { fanout, options } = this;
    const body = encodeBody(request);
    const channel = fanout.channelFor(request.room);
    if (!options.history || request.ephemeral) {
      const payload = encodePayload(0, '', body);
      await (fanout.publishCommand === 'spublish'
        ? (this.commands as Cluster).spublish(channel, payload)
        : this.commands.publish(channel, payload));
      return { offset: 0, epoch: '' };
    }
    const keys = { ...roomKeys(request.room, options.keyPrefix), channel };
    const [offset, epoch] = await this.scripts.publish(
      keys,
      body,
      options.historySize,
      options.historyTtlS,
      newEpoch(),
      fanout.publishCommand,
      { acks: options.replicaAcks, timeoutMs: options.replicaAckTimeoutMs },
    );
    return { offset: Number(offset), epoch };
  }

  async position(room: string): Promise<StreamPosition> {
    if (!this.options.history) return { offset: 0, epoch: '' };
    const keys = roomKeys(room, this.options.keyPrefix);
    const [top, epoch] = await this.scripts.read(keys, newEpoch(), this.options.historyTtlS, undefined, '');
    return { offset: Number(top), epoch };
  }

  async readSince(room: string, since: StreamPosition): Promise<HistoryRange> {
    // Without history nothing can be replayed: any real position was missed.
    if (!this.options.history)
      return { entries: [], position: { offset: 0, epoch: '' }, missed: since.offset > 0 };
    const keys = roomKeys(room, this.options.keyPrefix);
    const [top, epoch, missed, raw] = await this.scripts.read(
      keys,
      newEpoch(),
      this.options.historyTtlS,
      since.offset,
      since.epoch,
    );
    const entries: BusEntry[] = [];
    for (const [id, fields] of raw) {
      const offset = Number.parseInt(id, 10);
      const body = fields[1];
      try {
        if (body === undefined) throw new BusDecodeError('stream entry: no body');
        entries.push(decodeBody(body, offset, epoch));
      } catch (error) {
        // A foreign or corrupt stream entry is counted and skipped like a bad payload.
        this.onDecodeError(error as Error);
      }
    }
    return { entries, position: { offset: Number(top), epoch }, missed: missed === 1 };
  }
}
