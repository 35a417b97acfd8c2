import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { nowMs } from '../loadtests/runner/clock.js';
import { RoomWatch } from '../loadtests/runner/room-watch.js';
import { startHaproxy } from '../runtime/haproxy.js';
import { LocalRedis } from '../runtime/local/local-redis.js';
import { LocalWsService } from '../runtime/local/local-ws-service.js';
import { startNginx } from '../runtime/nginx.js';
import { startTcpRelay } from '../runtime/tcp-relay.js';
import { resolveTopologySpec } from '../topology/spec.js';
import { parseProxies, saveBench, table } from './save.js';

// npx tsx bench/silent-failures.ts [--faults freeze,cut] [--proxies haproxy,nginx] [--clients 30]
// Issue 22's two tables. Two replicas with the defaults behind a proxy (cookie stickiness), one
// Redis; `--clients` load-runner clients join one room through the proxy; a publisher on r1
// (direct) sends 10 msg/s with acks. Then r2 fails silently:
//  freeze — SIGSTOP of r2 until every one of its clients received again (or --freeze-max-ms);
//  cut    — r2's Redis link stops forwarding both ways (a relay, runtime/tcp-relay.ts) for --cut-ms.
// Per proxy: seconds from the fault to each of r2's clients' next message; acked messages lost;
// for the cut, r2's /readyz every second. Runs against whatever tree it is copied into (the
// "before" figures: this file and runtime/tcp-relay.ts copied into a checkout of main).
const program = new Command()
  .option('--faults <list>', 'freeze, cut', 'freeze,cut')
  .option('--proxies <list>', 'proxies to measure', 'haproxy,nginx')
  .option('--clients <n>', 'clients through the proxy', '30')
  .option('--cut-ms <ms>', 'how long the Redis link stays cut', '30000')
  .option('--freeze-max-ms <ms>', 'longest freeze (ends early once every client is back)', '90000')
  .parse();
const flags = program.opts<{
  faults: string;
  proxies: string;
  clients: string;
  cutMs: string;
  freezeMaxMs: string;
}>();
const faults = flags.faults.split(',').map((fault) => fault.trim());
for (const fault of faults) if (fault !== 'freeze' && fault !== 'cut') throw new Error(`--faults: ${fault}?`);
const clientCount = Number(flags.clients);
const cutMs = Number(flags.cutMs);
const freezeMaxMs = Number(flags.freezeMaxMs);
const ROOM = 'silent';

async function measure(kind: 'haproxy' | 'nginx', fault: 'freeze' | 'cut') {
  const dir = resolve('.lab', 'bench', `silent-${kind}-${fault}-${Date.now()}`);
  const spec = resolveTopologySpec({
    redisMode: 'single',
    logLevel: 'warn',
    publishRatePerS: 1_000,
    publishBurst: 1_000,
  });
  const redis = await LocalRedis.start({ dir: join(dir, 'redis'), mode: 'single' });
  const relay = await startTcpRelay(redis.single!.port);
  const logDir = join(dir, 'replicas');
  const healthy = new LocalWsService({ spec, logDir, placement: redis.placement() });
  const victimService = new LocalWsService({
    spec,
    logDir,
    placement: { redisUrl: `redis://127.0.0.1:${relay.port}` },
    firstNumber: 2,
  });
  let watch: RoomWatch | undefined;
  let proxyStop: (() => Promise<void>) | undefined;
  try {
    const [r1] = await healthy.start(1);
    const [r2] = await victimService.start(1);
    const start = kind === 'haproxy' ? startHaproxy : startNginx;
    const proxy = await start({
      dir: join(dir, kind),
      options: {
        backends: [
          { id: r1!.id, host: '127.0.0.1', port: r1!.port },
          { id: r2!.id, host: '127.0.0.1', port: r2!.port },
        ],
        stickiness: 'cookie',
        limits: { workers: 1 },
      },
    });
    proxyStop = () => proxy.stop();
    watch = await RoomWatch.start({
      clientUrl: `${proxy.wsUrl}/ws`,
      publisherUrl: r1!.wsUrl,
      clients: clientCount,
      room: ROOM,
    });
    const victims = watch.clientsOn(r2!.id);
    const readyz: string[] = [];
    const faultAtMs = watch.markFault();
    if (fault === 'freeze') {
      r2!.handle!.process.killNow('SIGSTOP');
      await watch.waitBack(victims, freezeMaxMs);
      r2!.handle!.process.killNow('SIGCONT');
    } else {
      relay.cut();
      const cutEndsAt = Date.now() + cutMs;
      while (Date.now() < cutEndsAt) {
        const answer = await fetch(`${r2!.httpUrl}/readyz`, { signal: AbortSignal.timeout(900) }).then(
          async (response) => `${response.status} ${await response.text()}`,
          () => 'no answer',
        );
        readyz.push(`${((nowMs() - faultAtMs) / 1000).toFixed(0)}s ${answer}`);
        await new Promise((wait) => setTimeout(wait, Math.max(0, 1_000 - ((nowMs() - faultAtMs) % 1_000))));
      }
      relay.heal();
    }
    await watch.waitBack(victims, 30_000);
    await watch.finish(15_000);
    const back = watch.backFigures(victims, r2!.id);
    const known = back.backS.filter((value): value is number => value !== null);
    return {
      proxy: kind,
      fault,
      clients: clientCount,
      victims: back.struck,
      backS: back.backS,
      minS: known.length === 0 ? null : Math.min(...known),
      maxS: back.maxBackS,
      neverBack: back.neverBack,
      reconnectedOntoVictim: back.reconnectedOntoStruck,
      ackedLost: watch.ackedLost(),
      acked: watch.acked.size,
      readyz,
    };
  } finally {
    watch?.stop();
    relay.heal();
    for (const slot of victimService.slots) slot.handle?.process.killNow('SIGCONT');
    await proxyStop?.();
    await Promise.all([healthy.stop(), victimService.stop()]);
    await relay.close();
    await redis.stop();
  }
}

const runs = [];
for (const fault of faults as ('freeze' | 'cut')[]) {
  for (const kind of parseProxies(flags.proxies)) runs.push(await measure(kind, fault));
}
const path = saveBench('silent-failures', { runs });
const seconds = (value: number | null) => (value === null ? 'n/a' : value.toFixed(1));
process.stdout.write(
  `\n${table(
    runs.map((run) => ({
      fault: run.fault,
      proxy: run.proxy,
      'clients on r2': run.victims,
      'next message after (s)': `${seconds(run.minS)}–${seconds(run.maxS)}`,
      'never back': run.neverBack,
      'reconnected onto r2': run.reconnectedOntoVictim,
      'acked lost': run.ackedLost,
    })),
  )}\n`,
);
for (const run of runs.filter((entry) => entry.fault === 'cut')) {
  process.stdout.write(`\n${run.proxy} /readyz of r2 during the cut:\n  ${run.readyz.join('\n  ')}\n`);
}
process.stdout.write(`\n${path}\n`);
