/** Starting and stopping a set of shards, and waiting on all of them. */

import { type ShardHandle, startChildShard, startInlineShard } from './shard-pool.js';
import type { ShardCommand, ShardMessage } from './shard-protocol.js';

export class ShardSet {
  readonly handles: ShardHandle[];

  constructor(count: number, inline: boolean) {
    this.handles = Array.from({ length: count }, () => (inline ? startInlineShard() : startChildShard()));
  }

  sendEach(command: (index: number) => ShardCommand): void {
    for (const [index, handle] of this.handles.entries()) handle.send(command(index));
  }

  /** The next message of `type` from every shard; rejects when any shard fails or the timeout passes. */
  async all<T extends ShardMessage['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Array<Extract<ShardMessage, { type: T }>>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`shards: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([Promise.all(this.handles.map((handle) => handle.next(type))), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    for (const handle of this.handles) handle.send({ type: 'abort' });
    await Promise.all(this.handles.map((handle) => handle.close()));
  }
}
