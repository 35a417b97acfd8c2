import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { readProcStat } from '../observe/proc.js';
import { LocalWsService } from '../runtime/local/local-ws-service.js';
import { ManagedProcess } from '../runtime/managed-process.js';
import type { ReplicaHandle } from '../runtime/replica.js';
import { waitFor } from '../runtime/wait-for.js';
import { resolveTopologySpec } from '../topology/spec.js';
import { saveBench } from './save.js';

// npx tsx bench/idle-memory.ts --connections 10000 [--rooms 100] [--settle-ms 5000]
const program = new Command()
  .description('Memory per idle connection of one replica (RSS and heap growth / connections)')
  .option('--connections <n>', 'idle connections to open', '10000')
  .option('--rooms <n>', 'rooms the connections join (0 = none)', '100')
  .option('--settle-ms <ms>', 'wait before each reading', '5000')
  .parse();
const options = program.opts<{ connections: string; rooms: string; settleMs: string }>();
const connections = Number(options.connections);
const settleMs = Number(options.settleMs);
const logDir = resolve('.lab', 'bench', `idle-memory-${Date.now()}`);

interface Reading {
  rssBytes: number;
  heapUsedBytes: number;
  openConnections: number;
}

/** RSS from /proc (the replica's own process), heap and open connections from its /metrics. */
async function read(pid: number, httpUrl: string): Promise<Reading> {
  const rssBytes = (await readProcStat(pid))?.rssBytes ?? Number.NaN;
  const metrics = await (await fetch(`${httpUrl}/metrics`)).text();
  const sample = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
  return {
    rssBytes,
    heapUsedBytes: sample('nodejs_heap_size_used_bytes'),
    openConnections: sample('wslab_connections_open'),
  };
}

// One replica on the in-process bus (no Redis): its memory is the connections' alone.
const service = new LocalWsService({
  spec: resolveTopologySpec({ redisMode: 'none', replicas: 1, logLevel: 'warn', handshakeTimeoutMs: 60_000 }),
  logDir,
  placement: {},
});
const replica = (await service.add({ id: 'idle-replica' })).handle as ReplicaHandle;
let clients: ManagedProcess | undefined;
try {
  await sleep(settleMs);
  const before = await read(replica.process.pid, replica.httpUrl);
  clients = new ManagedProcess({
    name: 'idle-clients',
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      'loadtests/idle/hold-main.ts',
      replica.wsUrl,
      String(connections),
      options.rooms,
    ],
    logDir,
  });
  const clientLog = join(logDir, 'idle-clients.log');
  await waitFor(() => readFileSync(clientLog, 'utf8').includes('"ready"'), {
    timeoutMs: 180_000,
    intervalMs: 200,
    description: `${connections} connections open`,
  });
  await waitFor(
    async () => (await read(replica.process.pid, replica.httpUrl)).openConnections === connections,
    {
      timeoutMs: 30_000,
    },
  );
  await sleep(settleMs);
  const after = await read(replica.process.pid, replica.httpUrl);
  const rssPerConnectionBytes = (after.rssBytes - before.rssBytes) / connections;
  const heapPerConnectionBytes = (after.heapUsedBytes - before.heapUsedBytes) / connections;
  const targetBytes = 10 * 1024;
  saveBench('idle-memory', {
    connections,
    rooms: Number(options.rooms),
    before,
    after,
    rssPerConnectionBytes: Math.round(rssPerConnectionBytes),
    heapPerConnectionBytes: Math.round(heapPerConnectionBytes),
    targetBytesPerConnection: targetBytes,
    withinTarget: rssPerConnectionBytes <= targetBytes && heapPerConnectionBytes <= targetBytes,
  });
} finally {
  await clients?.stop('SIGTERM', 5_000);
  await service.stop({ signal: 'SIGKILL' });
}
