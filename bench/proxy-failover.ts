import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { MsgFrame } from '../app/src/contracts/protocol.js';
import { quantile, summarize } from '../lab/report/stats.js';
import { ProbeClient } from '../loadtests/probe/probe-client.js';
import { reconnectWithBackoff } from '../loadtests/probe/reconnect.js';
import type { Stickiness } from '../proxy/options.js';
import { startHaproxy } from '../runtime/haproxy.js';
import { backendsOf, startReplicaSet } from '../runtime/local/replica-set.js';
import { startNginx } from '../runtime/nginx.js';
import { waitFor } from '../runtime/wait-for.js';
import { parseProxies, saveBench } from './save.js';

// npx tsx bench/proxy-failover.ts [--fault kill|hang] [--clients 300] [--rooms 10] [--proxies haproxy,nginx]
// A replica is SIGKILLed under load; for each of its clients: the time until it
// receives room messages again through the proxy (reconnect with backoff, join, first msg).
const program = new Command()
  .description('Replica killed under load: time until 99% of its clients receive again, per proxy')
  .option('--clients <n>', 'clients through the proxy (spread over 3 replicas)', '300')
  .option('--rooms <n>', 'rooms the clients are spread over', '10')
  .option('--publish-interval-ms <ms>', 'one publish per room this often', '100')
  .option('--stickiness <mode>', 'proxy stickiness mode', 'cookie')
  .option('--proxies <list>', 'proxies to measure', 'haproxy,nginx')
  .option(
    '--fault <kind>',
    'kill (SIGKILL: sockets reset) or hang (SIGSTOP: sockets stay open, silent)',
    'kill',
  )
  .option(
    '--ping-interval-ms <ms>',
    "replicas' ping interval; clients drop a link silent for 2.5× this",
    '1000',
  )
  .parse();
const flags = program.opts<{
  clients: string;
  rooms: string;
  publishIntervalMs: string;
  stickiness: Stickiness;
  proxies: string;
  fault: string;
  pingIntervalMs: string;
}>();
if (flags.fault !== 'kill' && flags.fault !== 'hang')
  throw new Error(`--fault: "${flags.fault}" is not kill or hang`);
const pingIntervalMs = Number(flags.pingIntervalMs);
const silentMs = Math.round(pingIntervalMs * 2.5);
const clientCount = Number(flags.clients);
const roomCount = Number(flags.rooms);
const publishIntervalMs = Number(flags.publishIntervalMs);
const TARGET_MS = { haproxy: 2_000, nginx: 3_000 } as const;

async function measure(kind: 'haproxy' | 'nginx') {
  const dir = resolve('.lab', 'bench', `proxy-failover-${kind}-${Date.now()}`);
  const set = await startReplicaSet(dir, 3, { publishRatePerS: 1000, publishBurst: 1000, pingIntervalMs });
  const start = kind === 'haproxy' ? startHaproxy : startNginx;
  const proxy = await start({
    dir: join(dir, kind),
    options: { backends: backendsOf(set.replicas), stickiness: flags.stickiness },
  });
  const url = `${proxy.wsUrl}/ws`;
  const rooms = Array.from({ length: roomCount }, (_, index) => `bench-${index}`);
  const clients: ProbeClient[] = [];
  try {
    for (let index = 0; index < clientCount; index += 1) {
      const client = await ProbeClient.connect(url);
      await client.join(rooms[index % roomCount]!);
      client.watchLiveness(silentMs);
      clients.push(client);
    }
    // The publisher talks to a replica that stays up, directly: only the proxied clients are measured.
    const publisher = await ProbeClient.connect(set.replicas[0]!.wsUrl);
    let publishes = 0;
    const timer = setInterval(() => {
      for (const room of rooms) publisher.send({ op: 'pub', room, data: { n: publishes } });
      publishes += 1;
    }, publishIntervalMs);

    const victim = set.replicas.find((replica) => replica.instanceId === 'r3')!;
    const orphans = clients.filter((client) => client.instance === 'r3');
    const killedAt = performance.now();
    // hang: the process stops answering but the kernel keeps its sockets open and
    // still completes TCP handshakes — only health checks or client liveness notice.
    if (flags.fault === 'kill') await victim.kill();
    else victim.process.killNow('SIGSTOP');
    // HAProxy only: when the active checks mark the replica DOWN (Nginx has no such state to read).
    const markedDown =
      kind === 'haproxy'
        ? waitFor(
            async () => {
              const metrics = await (await fetch(proxy.metricsUrl)).text();
              return metrics.includes('haproxy_server_status{proxy="replicas",server="r3",state="DOWN"} 1')
                ? performance.now() - killedAt
                : undefined;
            },
            { timeoutMs: 20_000, intervalMs: 50, description: 'r3 DOWN' },
          )
        : Promise.resolve(null);
    const results = await Promise.all(
      orphans.map(async (orphan, index) => {
        await orphan.closed;
        const room = rooms[clients.indexOf(orphan) % roomCount]!;
        const { client, attempts } = await reconnectWithBackoff(url, room, { giveUpMs: 20_000 });
        client.watchLiveness(silentMs);
        clients.push(client);
        const reconnectedMs = performance.now() - killedAt;
        await client.next((frame): frame is MsgFrame => frame.op === 'msg', 5_000);
        return { index, attempts, reconnectedMs, receivingMs: performance.now() - killedAt };
      }),
    );
    const markedDownMs = await markedDown;
    clearInterval(timer);
    publisher.close();
    const receiving = results.map((entry) => entry.receivingMs).sort((a, b) => a - b);
    const p99ReceivingMs = quantile(receiving, 0.99);
    return {
      proxy: kind,
      fault: flags.fault,
      pingIntervalMs,
      clientSilentLimitMs: silentMs,
      clients: clientCount,
      orphans: orphans.length,
      publishIntervalMs,
      stickiness: flags.stickiness,
      markedDownMs,
      receivingAgainMs: summarize(receiving),
      reconnectedMs: summarize(results.map((entry) => entry.reconnectedMs)),
      attempts: summarize(results.map((entry) => entry.attempts)),
      p99ReceivingMs,
      targetMs: TARGET_MS[kind],
      withinTarget: p99ReceivingMs <= TARGET_MS[kind],
    };
  } finally {
    for (const client of clients) client.terminate();
    // SIGKILL also ends a stopped (SIGSTOP) process.
    for (const replica of set.replicas) if (replica.process.running) await replica.kill();
    await proxy.stop();
    await set.stop();
  }
}

const runs = [];
for (const kind of parseProxies(flags.proxies)) runs.push(await measure(kind));
saveBench(`proxy-failover-${flags.fault}`, { runs });
