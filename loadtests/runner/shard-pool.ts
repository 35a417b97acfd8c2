/**
 * The coordinator's side of its shards. A shard is inline (same process: small runs, tests) or a
 * forked child process running shard-main.ts under tsx (large runs: a process holds at most
 * ~19 900 sockets under the 20 000 fd limit, and two processes use both cores). Children exit
 * when the IPC channel closes, and any still alive when this process exits are killed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ShardCommand, ShardMessage, ShardPort, ShardProgress } from './shard-protocol.js';
import { serveShard } from './shard-runtime.js';

type MessageOf<T extends ShardMessage['type']> = Extract<ShardMessage, { type: T }>;

export class ShardHandle {
  private readonly queue: ShardMessage[] = [];
  private readonly waiters: Array<{
    type: ShardMessage['type'];
    resolve: (message: ShardMessage) => void;
    reject: (error: Error) => void;
  }> = [];
  private failure: Error | null = null;
  /** Latest progress snapshot. */
  progress: ShardProgress = { open: 0, published: 0, delivered: 0, reconnects: 0, failures: 0 };

  constructor(
    readonly send: (command: ShardCommand) => void,
    private readonly closeTransport: () => Promise<void>,
    readonly pid: number | null,
  ) {}

  /** Called by the transport for every message from the shard. */
  deliver(message: ShardMessage): void {
    if (message.type === 'progress') {
      this.progress = message.progress;
      return;
    }
    if (message.type === 'error') {
      this.fail(new Error(`shard failed: ${message.message}`));
      return;
    }
    const index = this.waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(message);
    else this.queue.push(message);
  }

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** The next message of `type` from this shard (queued ones first). */
  next<T extends ShardMessage['type']>(type: T): Promise<MessageOf<T>> {
    const index = this.queue.findIndex((m) => m.type === type);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0] as MessageOf<T>);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ type, resolve: resolve as (m: ShardMessage) => void, reject });
    });
  }

  close(): Promise<void> {
    return this.closeTransport();
  }
}

/** A shard in this process, linked by a pair of in-memory queues (async, like IPC). */
export function startInlineShard(): ShardHandle {
  let commandHandler: ((command: ShardCommand) => void) | null = null;
  let handle!: ShardHandle;
  const port: ShardPort = {
    post: (message) => setImmediate(() => handle.deliver(message)),
    onCommand: (handler) => {
      commandHandler = handler;
    },
  };
  const server = serveShard(port, false);
  handle = new ShardHandle(
    (command) => setImmediate(() => commandHandler?.(command)),
    async () => server.stop(),
    null,
  );
  return handle;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function tsxLoaderUrl(): string {
  const require = createRequire(import.meta.url);
  return pathToFileURL(require.resolve('tsx')).href;
}

/** A shard in a child process (node --import tsx shard-main.ts) with an IPC channel. */
export function startChildShard(): ShardHandle {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const child of liveChildren) child.kill('SIGKILL');
    });
  }
  const entry = fileURLToPath(new URL('./shard-main.ts', import.meta.url));
  const child = fork(entry, [], {
    execArgv: ['--import', tsxLoaderUrl()],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  liveChildren.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      handle.fail(new Error(`shard process ${child.pid} exited (code ${code}, signal ${signal})`));
      resolve();
    });
  });
  const handle: ShardHandle = new ShardHandle(
    (command) => {
      if (child.connected) child.send(command);
    },
    async () => {
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    child.pid ?? null,
  );
  child.on('message', (message) => handle.deliver(message as ShardMessage));
  return handle;
}
