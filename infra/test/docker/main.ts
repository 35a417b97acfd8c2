/**
 * `npm run test:docker`: the Pulumi program against a real Docker engine (see infra/README.md,
 * "Real-engine test"). Starts a private dockerd, builds (or reuses) the base images, deploys the
 * example stacks with the program under the real-engine mocks and checks what a user would see
 * after each kind of second `pulumi up`. Exits non-zero on the first failed scenario, after
 * destroying what it deployed and stopping dockerd.
 *
 *   tsx infra/test/docker/main.ts [--only name,name] [--program path/to/index.ts] [--keep-going]
 * --only takes stack names (haproxy, nginx, single-redis) and scenario names (d1, d2, d3, d4, caps).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type Docker from 'dockerode';
import { type Component, cpuQuotaUs, resourcesOf, type TopologySpec } from '../../../topology/spec.js';
import { parseConfigMap } from '../../../topology/stack-config.js';
import { SERVICE_PORT } from '../../components/ws-service.js';
import { REPO_ROOT, stackFileConfig } from '../harness.js';
import {
  closeAll,
  connect,
  crossReplicaPublish,
  type Hello,
  publishAcross,
  reachReplicas,
} from './client.js';
import type { DeployRequest, DeployResult } from './deploy.js';
import { ENGINE, engineBlocker, ensureTools, type RunningEngine, startEngine } from './engine.js';
import { ensureBaseImages } from './images.js';
import { demux } from './provider.js';
import { CAPS, STACKS } from './stacks.js';

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string' },
    program: { type: 'string' },
    'keep-going': { type: 'boolean', default: false },
  },
});
const WORK = '/tmp/wslab-docker/runs';
const timings: { phase: string; seconds: number; ok: boolean; note?: string }[] = [];
const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

async function phase(name: string, body: () => Promise<string | undefined>): Promise<boolean> {
  const started = Date.now();
  log(`▶ ${name}`);
  try {
    const note = await body();
    timings.push({ phase: name, seconds: (Date.now() - started) / 1000, ok: true, note });
    log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)${note ? ` — ${note}` : ''}`);
    return true;
  } catch (error) {
    timings.push({
      phase: name,
      seconds: (Date.now() - started) / 1000,
      ok: false,
      note: (error as Error).message,
    });
    log(`✗ ${name}: ${(error as Error).message}`);
    return false;
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** One deploy of a stack, in a child process (see deploy.ts). */
function deploy(
  engine: RunningEngine,
  request: Omit<DeployRequest, 'socket' | 'statePath' | 'program'>,
): DeployResult {
  mkdirSync(WORK, { recursive: true });
  const requestPath = `${WORK}/${request.stack}-request.json`;
  const full: DeployRequest = {
    ...request,
    socket: engine.socket,
    statePath: `${WORK}/${request.stack}-state.json`,
    program: flags.program,
  };
  writeFileSync(requestPath, JSON.stringify(full));
  rmSync(`${requestPath}.result.json`, { force: true });
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', `${REPO_ROOT}infra/test/docker/deploy.ts`, requestPath],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      cwd: REPO_ROOT,
    },
  );
  if (!existsSync(`${requestPath}.result.json`)) {
    throw new Error(`deploy process exited with ${child.status ?? child.signal} and no result`);
  }
  return JSON.parse(readFileSync(`${requestPath}.result.json`, 'utf8')) as DeployResult;
}

/**
 * Removes whatever an earlier, interrupted run left of a stack (its state file is then stale):
 * containers and networks named after the stack's prefix. Runs before a stack starts from an
 * empty state and after everything; the destroy scenario checks the program's own destroy.
 */
async function sweep(docker: Docker, stackName: string): Promise<void> {
  const prefix = `wslab-${stackName}`;
  for (const info of await stackContainers(docker, prefix)) {
    await docker.getContainer(info.Id).remove({ force: true, v: true });
  }
  for (const network of await docker.listNetworks()) {
    if (network.Name.startsWith(`${prefix}-`)) await docker.getNetwork(network.Id).remove();
  }
}

function freshState(stack: string): void {
  mkdirSync(WORK, { recursive: true });
  writeFileSync(`${WORK}/${stack}-state.json`, JSON.stringify({ entries: [], nextSeq: 0 }));
}

async function stackContainers(docker: Docker, prefix: string): Promise<Docker.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true });
  return all.filter((info) => info.Names.some((name) => name.startsWith(`/${prefix}-`)));
}

async function exec(docker: Docker, container: string, command: string[]): Promise<string> {
  const execution = await docker
    .getContainer(container)
    .exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await execution.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return demux(Buffer.concat(chunks));
}

/** Every node: state ok, 6 known nodes, no node marked failed; polled until `deadlineMs`. */
async function clusterHealthy(docker: Docker, prefix: string, deadlineMs: number): Promise<string> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  for (;;) {
    const problems: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const node = `${prefix}-redis-${index}`;
      const info = await exec(docker, node, ['redis-cli', 'cluster', 'info']).catch(
        (error: Error) => error.message,
      );
      const nodes = await exec(docker, node, ['redis-cli', 'cluster', 'nodes']).catch(
        (error: Error) => error.message,
      );
      if (!info.includes('cluster_state:ok'))
        problems.push(`${node}: ${/cluster_state:\w+/.exec(info)?.[0] ?? info.trim()}`);
      const known = /cluster_known_nodes:(\d+)/.exec(info)?.[1];
      if (known !== '6') problems.push(`${node}: cluster_known_nodes:${known}`);
      const bad = nodes.split('\n').filter((line) => /\b(fail|noaddr|handshake)\b|fail\?/.test(line));
      if (bad.length > 0)
        problems.push(`${node} sees: ${bad.map((line) => line.split(' ').slice(1, 3).join(' ')).join('; ')}`);
    }
    if (problems.length === 0)
      return `ok after ${((deadlineMs - (deadline - Date.now())) / 1000).toFixed(1)} s`;
    last = problems.join(' | ');
    if (Date.now() > deadline) throw new Error(`cluster not healthy after ${deadlineMs / 1000} s: ${last}`);
    await sleep(1_000);
  }
}

/** Index of a node that is a master now. */
async function masterIndex(docker: Docker, prefix: string): Promise<number> {
  for (let index = 0; index < 6; index += 1) {
    const role = await exec(docker, `${prefix}-redis-${index}`, ['redis-cli', 'role']);
    if (role.startsWith('master')) return index;
  }
  throw new Error('no Redis node is a master');
}

/** A deploy that must succeed. */
function up(
  engine: RunningEngine,
  stack: string,
  config: Record<string, string>,
  refresh = false,
): DeployResult {
  const result = deploy(engine, { action: 'up', stack, config, refresh });
  if (!result.ok) throw new Error(`pulumi up (${stack}) failed: ${result.error}`);
  return result;
}

function summarizeSteps(result: DeployResult): string {
  const counts: Record<string, number> = {};
  for (const step of result.steps) counts[step.kind] = (counts[step.kind] ?? 0) + 1;
  return Object.entries(counts)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

/** A container's address on the stack's network. */
async function addressOf(docker: Docker, container: string): Promise<string> {
  const networks = (await docker.getContainer(container).inspect()).NetworkSettings.Networks;
  return Object.values(networks)[0]!.IPAddress;
}

/**
 * A publish that crosses replicas, for a proxy that pins every client of one host to one replica
 * (source stickiness: all of this machine's connections share one address): the subscriber
 * through the proxy, the publisher on another replica directly at its address on the stack's
 * network (the host is that bridge's gateway).
 */
async function crossReplicaFromOneHost(
  docker: Docker,
  wsUrl: string,
  replicaNames: readonly string[],
): Promise<{ from: string; to: string }> {
  const subscriber = await connect(wsUrl);
  let publisher: Hello;
  try {
    const other = replicaNames.find((name) => name !== subscriber.instance)!;
    publisher = await connect(`ws://${await addressOf(docker, other)}:${SERVICE_PORT}/ws`);
  } catch (error) {
    subscriber.socket.close();
    throw error;
  }
  return publishAcross(subscriber, publisher);
}

/** CPU quota over period and the memory limit, as the container's own cgroup reports them (v2 or v1). */
async function cgroupLimits(docker: Docker, container: string): Promise<{ cores: number; bytes: string }> {
  const script =
    'if [ -f /sys/fs/cgroup/cpu.max ]; then cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/memory.max; ' +
    'else echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"; ' +
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; fi';
  const [cpu = '', memory = ''] = (await exec(docker, container, ['sh', '-c', script])).trim().split('\n');
  const [quota, period] = cpu.trim().split(/\s+/).map(Number);
  return { cores: quota! / period!, bytes: memory.trim() };
}

/**
 * Every container of the stack against the spec's caps: `docker inspect` (HostConfig CpuPeriod,
 * CpuQuota, Memory, MemorySwap) and the container's cgroup. Returns one line per component.
 */
async function checkCaps(
  docker: Docker,
  prefix: string,
  spec: TopologySpec,
  replicaNames: readonly string[],
): Promise<string> {
  const MIB = 1024 * 1024;
  const byComponent: [Component, string[]][] = [
    ['replica', [...replicaNames]],
    ['redis', [`${prefix}-redis-0`]],
    ['proxy', [`${prefix}-${spec.proxy}`]],
  ];
  const seen: string[] = [];
  for (const [component, containers] of byComponent) {
    const { cpuCores, memoryMiB, cpuPeriodUs } = resourcesOf(spec, component);
    check(cpuCores !== undefined && memoryMiB !== undefined, `the capped spec leaves ${component} uncapped`);
    for (const container of containers) {
      const host = (await docker.getContainer(container).inspect()).HostConfig;
      const got = {
        CpuPeriod: host.CpuPeriod,
        CpuQuota: host.CpuQuota,
        Memory: host.Memory,
        MemorySwap: host.MemorySwap,
      };
      const want = {
        CpuPeriod: cpuPeriodUs,
        CpuQuota: cpuQuotaUs(cpuCores, cpuPeriodUs),
        Memory: memoryMiB * MIB,
        MemorySwap: memoryMiB * MIB,
      };
      check(
        JSON.stringify(got) === JSON.stringify(want),
        `${container}: docker inspect ${JSON.stringify(got)}, the spec says ${JSON.stringify(want)}`,
      );
      const cgroup = await cgroupLimits(docker, container);
      check(
        Math.abs(cgroup.cores - cpuCores) < 1e-6 && cgroup.bytes === String(memoryMiB * MIB),
        `${container}: its cgroup allows ${cgroup.cores} CPUs and ${cgroup.bytes} bytes, the spec ${cpuCores} and ${memoryMiB} MiB`,
      );
    }
    seen.push(`${component} ${cpuCores} CPU/${memoryMiB} MiB ×${containers.length}`);
  }
  return seen.join(', ');
}

async function stackScenarios(
  engine: RunningEngine,
  stackName: string,
  selected: (name: string) => boolean,
): Promise<boolean> {
  const config = stackFileConfig(stackName);
  const stack = parseConfigMap(config);
  const prefix = `wslab-${stackName}`;
  const wsUrl = `ws://127.0.0.1:${stack.httpPort}/ws`;
  const replicaNames = Array.from({ length: stack.replicas }, (_, i) => `${prefix}-app-${i + 1}`);
  const docker = engine.docker;
  // Source stickiness pins every connection of this one host to one replica: the proxy cannot
  // spread them, so "every replica through the proxy" (D1) has no meaning for such a stack.
  const proxySpreads = stack.stickiness !== 'source';
  const crossReplica = () =>
    proxySpreads ? crossReplicaPublish(wsUrl) : crossReplicaFromOneHost(docker, wsUrl, replicaNames);
  let ok = true;
  const keepGoing = () => ok || flags['keep-going'] === true;
  await sweep(docker, stackName);
  freshState(stackName);

  ok =
    (await phase(`${stackName}: deploy; hello through the proxy; a publish crosses replicas`, async () => {
      const result = up(engine, stackName, config);
      const hello = await connect(wsUrl);
      hello.socket.close();
      check(replicaNames.includes(hello.instance), `hello from ${hello.instance}, not a replica`);
      const cross = await crossReplica();
      const published = (await stackContainers(docker, prefix)).flatMap((c) =>
        c.Ports.filter((p) => p.PublicPort),
      );
      check(
        published.every((p) => p.IP === '127.0.0.1'),
        `a port is published beyond 127.0.0.1: ${JSON.stringify(published)}`,
      );
      return `${summarizeSteps(result)}; ${cross.from} → ${cross.to}`;
    })) && ok;

  if (proxySpreads && selected('d1') && keepGoing()) {
    ok =
      (await phase(
        `${stackName}: D1 re-deploy with changed replica env; every replica serves within 10 s`,
        async () => {
          const before = new Map(
            (await stackContainers(docker, prefix)).map((c) => [c.Names[0]!.slice(1), c.Id]),
          );
          const changed = {
            ...config,
            'wslab:logLevel': config['wslab:logLevel'] === 'debug' ? 'info' : 'debug',
          };
          const result = up(engine, stackName, changed);
          const after = new Map(
            (await stackContainers(docker, prefix)).map((c) => [c.Names[0]!.slice(1), c.Id]),
          );
          check(
            replicaNames.every((name) => before.get(name) !== after.get(name)),
            'not every replica was replaced',
          );
          const reached = await reachReplicas(wsUrl, stack.replicas, 10_000);
          let note = `${summarizeSteps(result)}; all ${reached.size} replicas reached`;
          if (stack.stickiness === 'cookie') {
            // The sticky cookie each replica's connection got must lead back to that replica.
            for (const [instance, hello] of reached) {
              check(hello.cookie !== undefined, `no sticky cookie from ${instance}`);
              const again = await connect(wsUrl, { cookie: hello.cookie! });
              again.socket.close();
              check(
                again.instance === instance,
                `cookie ${hello.cookie} from ${instance} led to ${again.instance}`,
              );
            }
            note += '; every sticky cookie leads to its replica';
          }
          closeAll(reached);
          // Back to the stack file's config for the next scenarios.
          up(engine, stackName, config);
          await reachReplicas(wsUrl, stack.replicas, 10_000).then(closeAll);
          return note;
        },
      )) && ok;
  }

  if (proxySpreads && selected('d1') && keepGoing()) {
    ok =
      (await phase(
        `${stackName}: D1 a lost replica recreated (up --refresh) while another container took its address`,
        async () => {
          const lost = replicaNames[0]!;
          const info = await docker.getContainer(lost).inspect();
          const oldAddress = Object.values(info.NetworkSettings.Networks)[0]!.IPAddress;
          await docker.getContainer(lost).remove({ force: true, v: true });
          // What a user's client container on the network would do: take the next free address.
          const squatter = await docker.createContainer({
            name: `${prefix}-squatter`,
            Image: parseConfigMap(config).redisImage,
            Cmd: ['sleep', 'infinity'],
            HostConfig: { NetworkMode: `${prefix}-net` },
          });
          try {
            await squatter.start();
            const squatterAddress = Object.values((await squatter.inspect()).NetworkSettings.Networks)[0]!
              .IPAddress;
            const result = up(engine, stackName, config, true);
            const newAddress = Object.values(
              (await docker.getContainer(lost).inspect()).NetworkSettings.Networks,
            )[0]!.IPAddress;
            const reached = await reachReplicas(wsUrl, stack.replicas, 10_000);
            closeAll(reached);
            return `${summarizeSteps(result)}; ${lost} ${oldAddress} → ${newAddress} (squatter on ${squatterAddress}); all ${reached.size} replicas reached`;
          } finally {
            await squatter.remove({ force: true });
          }
        },
      )) && ok;
  }

  if (stack.redisMode === 'cluster' && selected('d2') && keepGoing()) {
    ok =
      (await phase(
        `${stackName}: D2 a lost Redis master is replaced (up --refresh) and rejoins`,
        async () => {
          // A master: its replica must take over before the new, empty node joins as a replica.
          const master = await masterIndex(docker, prefix);
          await docker.getContainer(`${prefix}-redis-${master}`).remove({ force: true, v: true });
          const result = up(engine, stackName, config, true);
          check(
            result.refreshed.includes(`redis-node-${master}`),
            `refresh did not notice the lost node: ${result.refreshed}`,
          );
          const healthy = await clusterHealthy(docker, prefix, 20_000);
          const cross = await crossReplicaPublish(wsUrl);
          return `${summarizeSteps(result)}; cluster ${healthy}; ${cross.from} → ${cross.to}`;
        },
      )) && ok;
  }

  if (stack.redisMode === 'cluster' && selected('d3') && keepGoing()) {
    ok =
      (await phase(`${stackName}: D3 all Redis nodes stopped, started in another order`, async () => {
        const nodes = Array.from({ length: 6 }, (_, i) => `${prefix}-redis-${i}`);
        await Promise.all(nodes.map((node) => docker.getContainer(node).stop({ t: 2 })));
        // Reverse order, plus a pause, so a node cannot get its previous dynamic address by accident.
        for (const node of [...nodes].reverse()) {
          await docker.getContainer(node).start();
          await sleep(300);
        }
        const healthy = await clusterHealthy(docker, prefix, 20_000);
        const cross = await crossReplicaPublish(wsUrl);
        return `cluster ${healthy}; ${cross.from} → ${cross.to}`;
      })) && ok;
  }

  if (stackName === 'single-redis' && selected('caps') && keepGoing()) {
    ok =
      (await phase(
        `${stackName}: capped re-deploy; docker inspect CpuPeriod/CpuQuota/Memory/MemorySwap and each cgroup = the spec's caps; hello and a publish across replicas`,
        async () => {
          const capped = { ...config, ...CAPS };
          const result = up(engine, stackName, capped);
          const caps = await checkCaps(docker, prefix, parseConfigMap(capped), replicaNames);
          const hello = await connect(wsUrl);
          hello.socket.close();
          const cross = await crossReplica();
          return `${summarizeSteps(result)}; ${caps}; ${cross.from} → ${cross.to}`;
        },
      )) && ok;
  }

  ok =
    (await phase(`${stackName}: destroy leaves no container, network or volume`, async () => {
      const volumesBefore = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
      const result = deploy(engine, { action: 'destroy', stack: stackName, config });
      check(result.ok, `destroy failed: ${result.error}`);
      const left = (await stackContainers(docker, prefix)).map((c) => c.Names[0]);
      check(left.length === 0, `containers left: ${left.join(', ')}`);
      const networks = (await docker.listNetworks()).filter((n) => n.Name.startsWith(prefix));
      check(networks.length === 0, `networks left: ${networks.map((n) => n.Name).join(', ')}`);
      const volumes = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
      const dangling = ((await docker.listVolumes({ filters: { dangling: ['true'] } })).Volumes ?? []).length;
      check(
        dangling === 0,
        `${dangling} dangling volumes left (had ${volumesBefore.size}, now ${volumes.length})`,
      );
      return summarizeSteps(result);
    })) && ok;
  return ok;
}

/** D4: the cluster creation forced to fail must fail the update before any replica or proxy exists. */
async function failedCreation(engine: RunningEngine): Promise<boolean> {
  const stackName = 'clusterfail';
  const prefix = `wslab-${stackName}`;
  const config = { ...stackFileConfig('haproxy'), 'wslab:httpPort': '18090', 'wslab:statsPort': '18094' };
  await sweep(engine.docker, stackName);
  freshState(stackName);
  const ok = await phase(
    'D4 a failed cluster creation fails the update before replicas and proxy',
    async () => {
      const result = deploy(engine, {
        action: 'up',
        stack: stackName,
        config,
        commandOverrides: {
          [`${prefix}-redis-cluster-create`]: ['sh', '-c', 'echo forced failure >&2; exit 3'],
        },
      });
      check(!result.ok, 'the update succeeded although cluster creation exited 3');
      check(/exited with 3/.test(result.error ?? ''), `unexpected error: …${result.error?.slice(-600)}`);
      const names = (await stackContainers(engine.docker, prefix)).map((c) => c.Names[0]!.slice(1));
      const late = names.filter((name) => /-(app-\d+|haproxy|nginx)$/.test(name));
      check(late.length === 0, `created although the cluster failed: ${late.join(', ')}`);
      return `failed with "${result.error?.split('\n')[0]}"; created only ${names.length} Redis containers`;
    },
  );
  const destroyed = deploy(engine, { action: 'destroy', stack: stackName, config });
  return ok && destroyed.ok;
}

async function main(): Promise<number> {
  const only = flags.only?.split(',');
  const selected = (name: string) => only === undefined || only.includes(name);
  ensureTools(log);
  const blocker = engineBlocker();
  if (blocker !== undefined) {
    console.error(`test:docker cannot run here: ${blocker}.`);
    return 2;
  }
  let engine: RunningEngine | undefined;
  let ok = true;
  const started = Date.now();
  try {
    engine = await startEngine();
    log(`dockerd on ${ENGINE.socket}, data root ${ENGINE.dataRoot}`);
    const references = STACKS.flatMap((name) => {
      const stack = parseConfigMap(stackFileConfig(name));
      return [stack.nodeImage, stack.redisImage, stack.haproxyImage, stack.nginxImage];
    });
    ok =
      (await phase("images: base image (cached by recipe) tagged as the stacks' image names", async () => {
        const { tag, built } = await ensureBaseImages(
          engine!.docker,
          engine!.socket,
          [...new Set(references)],
          log,
        );
        return `${tag} ${built ? 'built' : 'from cache'}`;
      })) && ok;
    for (const stackName of STACKS) {
      if (!ok && flags['keep-going'] !== true) break;
      if (selected(stackName)) ok = (await stackScenarios(engine, stackName, selected)) && ok;
    }
    if ((ok || flags['keep-going'] === true) && selected('d4')) ok = (await failedCreation(engine)) && ok;
  } catch (error) {
    ok = false;
    log(`✗ ${(error as Error).stack ?? error}`);
  } finally {
    if (engine !== undefined) {
      // Whatever a failed scenario left behind goes before the engine stops.
      for (const stackName of [...STACKS, 'clusterfail']) {
        try {
          deploy(engine, { action: 'destroy', stack: stackName, config: {} });
          await sweep(engine.docker, stackName);
        } catch {
          // Reported by the scenario itself.
        }
      }
      await engine.stop();
    }
  }
  console.log('\nphase timings:');
  for (const t of timings)
    console.log(
      `  ${t.ok ? 'ok  ' : 'FAIL'} ${t.seconds.toFixed(1).padStart(6)} s  ${t.phase}${t.ok ? '' : `\n         ${t.note}`}`,
    );
  console.log(`  total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // The plain closing line CI logs are read for.
  const failed = timings.filter((t) => !t.ok).length;
  console.log(`\nScenarios: ${timings.length - failed} passed, ${failed} failed`);
  return ok ? 0 : 1;
}

process.exitCode = await main();
