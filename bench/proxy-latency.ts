import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { MsgFrame } from '../app/src/contracts/protocol.js';
import { summarize } from '../lab/report/stats.js';
import { ProbeClient } from '../loadtests/probe/probe-client.js';
import { startHaproxy } from '../runtime/haproxy.js';
import { startReplicaSet } from '../runtime/local/replica-set.js';
import { startNginx } from '../runtime/nginx.js';
import { saveBench } from './save.js';

// npx tsx bench/proxy-latency.ts [--samples 2000]
// Added latency of each proxy against a direct connection to the same replica,
// measured in the same run with the paths interleaved sample by sample:
// - ping: a WebSocket ping answered by the replica's ws stack (client → proxy → replica → back)
// - pubsub: publish → own `msg` back (adds the replica's Redis round trip, same for every path)
const program = new Command()
  .description('Added round-trip latency of HAProxy and Nginx vs a direct connection')
  .option('--samples <n>', 'round trips per path and kind', '2000')
  .option('--warmup <n>', 'round trips discarded first', '200')
  .parse();
const flags = program.opts<{ samples: string; warmup: string }>();
const samples = Number(flags.samples);
const warmup = Number(flags.warmup);

function pingRoundTrip(client: ProbeClient): Promise<number> {
  return new Promise((resolvePing, reject) => {
    const started = process.hrtime.bigint();
    client.ws.once('pong', () => resolvePing(Number(process.hrtime.bigint() - started) / 1e6));
    client.ws.ping((error?: Error) => {
      if (error) reject(error);
    });
  });
}

async function pubSubRoundTrip(client: ProbeClient, room: string, n: number): Promise<number> {
  const started = process.hrtime.bigint();
  client.send({ op: 'pub', room, data: n });
  await client.next((frame): frame is MsgFrame => frame.op === 'msg' && frame.data === n);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const dir = resolve('.lab', 'bench', `proxy-latency-${Date.now()}`);
const set = await startReplicaSet(dir, 1, {
  publishRatePerS: 100_000,
  publishBurst: 100_000,
  history: false,
});
const replica = set.replicas[0]!;
const backends = [{ id: replica.instanceId, host: '127.0.0.1', port: replica.port }];
const haproxy = await startHaproxy({ dir: join(dir, 'haproxy'), options: { backends, stickiness: 'none' } });
const nginx = await startNginx({ dir: join(dir, 'nginx'), options: { backends, stickiness: 'none' } });
const paths = {
  direct: await ProbeClient.connect(replica.wsUrl),
  haproxy: await ProbeClient.connect(`${haproxy.wsUrl}/ws`),
  nginx: await ProbeClient.connect(`${nginx.wsUrl}/ws`),
};
type PathName = keyof typeof paths;
const names = Object.keys(paths) as PathName[];
const ping: Record<PathName, number[]> = { direct: [], haproxy: [], nginx: [] };
const pubsub: Record<PathName, number[]> = { direct: [], haproxy: [], nginx: [] };
try {
  for (const name of names) await paths[name].join(`latency-${name}`);
  for (let index = 0; index < warmup + samples; index += 1) {
    // Rotate the order so no path is always first after an idle gap.
    const order = [...names.slice(index % 3), ...names.slice(0, index % 3)];
    for (const name of order) {
      const pingMs = await pingRoundTrip(paths[name]);
      const pubSubMs = await pubSubRoundTrip(paths[name], `latency-${name}`, index);
      if (index >= warmup) {
        ping[name].push(pingMs);
        pubsub[name].push(pubSubMs);
      }
    }
  }
} finally {
  for (const client of Object.values(paths)) client.terminate();
  await haproxy.stop();
  await nginx.stop();
  await set.stop();
}

const summary = (values: Record<PathName, number[]>) => {
  const direct = summarize(values.direct);
  const out: Record<string, unknown> = { direct };
  for (const name of ['haproxy', 'nginx'] as const) {
    const proxied = summarize(values[name]);
    out[name] = {
      ...proxied,
      addedMedianMs: proxied.p50 - direct.p50,
      addedP99Ms: proxied.p99 - direct.p99,
      withinTarget: proxied.p50 - direct.p50 <= 1,
    };
  }
  return out;
};
saveBench('proxy-latency', {
  samples,
  warmup,
  targetAddedMedianMs: 1,
  ping: summary(ping),
  pubsub: summary(pubsub),
});
