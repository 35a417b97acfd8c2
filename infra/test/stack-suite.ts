import { resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../../haproxy/render.js';
import { renderNginxConfig } from '../../nginx/render.js';
import { proxyInput } from '../../topology/proxy-input.js';
import { parseConfigMap, type StackConfig } from '../../topology/stack-config.js';
import { stackAddressPlan } from '../components/addresses.js';
import { DOCKER_DNS, REPLICA_IDS_LABEL } from '../components/load-balancer.js';
import { CLUSTER_SCRIPT, NODE_IDS_LABEL, NODE_START_SCRIPT } from '../components/redis-cluster.js';
import { CONTAINER_PROXY } from '../container-proxy.js';
import {
  envMap,
  MOCK_REDIS_PASSWORD,
  outputValue,
  type ProgramRun,
  plainStrings,
  REPO_ROOT,
  type Registered,
  runProgram,
  stackFileConfig,
  TYPES,
} from './harness.js';

/**
 * The checks every example stack must pass, run against the real Pulumi.<stack>.yaml under
 * mocks. Expectations are derived from the stack file through the same parser the program
 * uses, plus the literal numbers each stack is meant to have (`expected`).
 */
export function stackSuite(
  stackName: string,
  expected: { proxy: 'haproxy' | 'nginx'; replicas: number; redisNodes: 1 | 6; httpPort: number },
): void {
  describe(`stack ${stackName} (Pulumi.${stackName}.yaml under mocks)`, () => {
    let run: ProgramRun;
    let stack: StackConfig;
    const prefix = `wslab-${stackName}`;
    const containers = () => run.byType(TYPES.container);
    const redisNodes = () => containers().filter((c) => /-redis-\d+$/.test(c.inputs.name as string));
    const replicas = () => containers().filter((c) => /-app-\d+$/.test(c.inputs.name as string));
    const proxy = () => containers().find((c) => c.inputs.name === `${prefix}-${expected.proxy}`)!;
    const createJob = () => containers().find((c) => c.inputs.name === `${prefix}-redis-cluster-create`);

    beforeAll(async () => {
      const config = stackFileConfig(stackName);
      stack = parseConfigMap(config);
      run = await runProgram(stackName, config);
    });

    it('is the topology the stack file describes', () => {
      expect(stack.proxy).toBe(expected.proxy);
      expect(stack.replicas).toBe(expected.replicas);
      expect(stack.httpPort).toBe(expected.httpPort);
      expect(redisNodes()).toHaveLength(expected.redisNodes);
      expect(replicas()).toHaveLength(expected.replicas);
      expect(replicas().map((c) => c.inputs.name)).toEqual(
        Array.from({ length: expected.replicas }, (_, i) => `${prefix}-app-${i + 1}`),
      );
      expect(proxy()).toBeDefined();
      // redis nodes + cluster job (cluster only) + replicas + proxy, nothing else.
      const jobs = expected.redisNodes === 6 ? 1 : 0;
      expect(containers()).toHaveLength(expected.redisNodes + jobs + expected.replicas + 1);
      expect(run.byType(TYPES.image)).toHaveLength(1);
    });

    it('parents every container and image to a component and names it after it', () => {
      const components = new Map(
        run.resources.filter((r) => r.type.startsWith('wslab:infra:')).map((r) => [r.urn, r] as const),
      );
      expect([...components.values()].map((c) => `${c.type} ${c.name}`).sort()).toEqual([
        'wslab:infra:LoadBalancer proxy',
        'wslab:infra:RedisCluster redis',
        'wslab:infra:WsService app',
      ]);
      const children = [...containers(), ...run.byType(TYPES.image), ...run.byType(TYPES.remoteImage)];
      for (const child of children) {
        const parent = components.get(child.parent);
        expect(parent, child.name).toBeDefined();
        expect(child.name.startsWith(`${parent!.name}-`), child.name).toBe(true);
      }
    });

    it('replaces named containers and the network delete-first (Docker names are unique)', () => {
      const named = [...containers(), ...run.byType(TYPES.network)];
      expect(
        named.filter((resource) => !resource.deleteBeforeReplace).map((resource) => resource.name),
      ).toEqual([]);
    });

    it('puts every container on one user-defined network', () => {
      const networks = run.byType(TYPES.network);
      expect(networks).toHaveLength(1);
      expect(networks[0]!.inputs).toMatchObject({ name: `${prefix}-net`, driver: 'bridge' });
      for (const container of containers()) {
        expect(container.inputs.networksAdvanced).toEqual([
          expect.objectContaining({ name: `${prefix}-net` }),
        ]);
      }
    });

    it('keeps Redis private, password-protected and health-checked', () => {
      for (const node of redisNodes()) {
        expect(node.inputs.ports ?? []).toEqual([]);
        expect(node.inputs.wait).toBe(true);
        expect((node.inputs.healthcheck as { tests: string[] }).tests.join(' ')).toContain('redis-cli ping');
        const [upload, start] = node.inputs.uploads as { file: string; content: string }[];
        expect(upload!.content).toContain(`requirepass "${MOCK_REDIS_PASSWORD}"`);
        expect(upload!.content.includes('cluster-enabled yes')).toBe(expected.redisNodes === 6);
        if (expected.redisNodes === 1) {
          expect(node.inputs.command).toEqual(['redis-server', upload!.file]);
          continue;
        }
        // A cluster node starts through the gate that keeps a new node off a lost master's address.
        expect(node.inputs.command).toEqual(['sh', start!.file]);
        expect(start!.content).toBe(NODE_START_SCRIPT);
        const env = envMap(node);
        expect(env.REDIS_CONFIG).toBe(upload!.file);
        const address = (node.inputs.networksAdvanced as { ipv4Address: string }[])[0]!.ipv4Address;
        expect(env.REDIS_SELF).toBe(`${address}:6379`);
        expect(env.REDIS_NODES?.split(' ')).toContain(address);
      }
    });

    it('creates or heals the cluster after every Redis node, again whenever a node is replaced', () => {
      const job = createJob();
      if (expected.redisNodes === 1) {
        expect(job).toBeUndefined();
        return;
      }
      expect(job).toBeDefined();
      expect(job!.dependencies).toEqual(expect.arrayContaining(redisNodes().map((node) => node.urn)));
      const upload = (job!.inputs.uploads as { file: string; content: string }[])[0]!;
      expect(job!.inputs.command).toEqual(['sh', upload.file]);
      expect(upload.content).toBe(CLUSTER_SCRIPT);
      // The script gets the nodes' fixed addresses, in node order.
      const addresses = redisNodes().map(
        (node) => (node.inputs.networksAdvanced as { ipv4Address: string }[])[0]!.ipv4Address,
      );
      expect(envMap(job!).REDIS_NODES).toBe(addresses.join(' '));
      // Tied to the node containers' ids (the mock id is `<name>-id`): a replaced node replaces the job.
      expect(job!.inputs.labels).toEqual([
        {
          label: NODE_IDS_LABEL,
          value: redisNodes()
            .map((node) => `${node.name}-id`)
            .join(','),
        },
      ]);
      expect(job!.inputs).toMatchObject({ attach: true, mustRun: false, restart: 'no' });
    });

    it("gives the Redis nodes fixed addresses in the network's declared subnet, others the dynamic range", () => {
      const network = run.byType(TYPES.network)[0]!;
      const plan = stackAddressPlan(prefix);
      expect(network.inputs.ipamConfigs).toEqual([
        { subnet: plan.subnet, gateway: plan.gateway, ipRange: plan.dynamicRange },
      ]);
      redisNodes().forEach((node, index) => {
        expect((node.inputs.networksAdvanced as { ipv4Address?: string }[])[0]!.ipv4Address).toBe(
          plan.redisNode(index),
        );
      });
      for (const other of [...replicas(), proxy()]) {
        expect((other.inputs.networksAdvanced as { ipv4Address?: string }[])[0]!.ipv4Address).toBeUndefined();
      }
    });

    it('builds the service image from app/Dockerfile with the repository as context', () => {
      const image = run.byType(TYPES.image)[0]!;
      const build = image.inputs.build as {
        context: string;
        dockerfile: string;
        args: Record<string, string>;
      };
      expect(resolve(build.context)).toBe(resolve(REPO_ROOT));
      expect(resolve(build.dockerfile)).toBe(resolve(REPO_ROOT, 'app/Dockerfile'));
      expect(build.args).toEqual({ NODE_IMAGE: stack.nodeImage });
      expect(image.inputs).toMatchObject({ imageName: stack.appImage, skipPush: true });
      for (const replica of replicas()) expect(replica.inputs.image).toBe(`sha256:${image.name}-digest`);
    });

    it('configures each replica from the stack (service env contract)', () => {
      const seeds = redisNodes().map((node) => `${node.inputs.name}:6379`);
      for (const replica of replicas()) {
        const env = envMap(replica);
        expect(env).toMatchObject({
          HOST: '0.0.0.0',
          PORT: '8080',
          INSTANCE_ID: replica.inputs.name,
          BUS_MODE: stack.redisMode,
          REDIS_PASSWORD: MOCK_REDIS_PASSWORD,
          HISTORY: stack.history ? 'on' : 'off',
          HISTORY_SIZE: String(stack.historySize),
          HISTORY_TTL_S: String(stack.historyTtlS),
          PING_INTERVAL_MS: String(stack.pingIntervalMs),
          DRAIN_WINDOW_MS: String(stack.drainWindowMs),
          LOG_LEVEL: stack.logLevel,
        });
        if (stack.redisMode === 'cluster') {
          expect(env.REDIS_CLUSTER_NODES!.split(',')).toEqual(seeds);
          expect(env.REDIS_URL).toBeUndefined();
        } else {
          expect(env.REDIS_URL).toBe(`redis://${seeds[0]}`);
          expect(env.REDIS_CLUSTER_NODES).toBeUndefined();
        }
        // Unset optional secrets leave the features off rather than set to "".
        expect(env.PUBLISH_API_KEY).toBeUndefined();
        expect(env.AUTH_JWT_SECRET).toBeUndefined();
      }
    });

    it('health-checks the replicas on /healthz and gives them longer than the drain window to stop', () => {
      for (const replica of replicas()) {
        const healthcheck = replica.inputs.healthcheck as { tests: string[] };
        expect(healthcheck.tests[0]).toBe('CMD');
        expect(healthcheck.tests.join(' ')).toContain('/healthz');
        expect(replica.inputs.wait).toBe(true);
        expect(replica.inputs.stopSignal).toBe('SIGTERM');
        expect((replica.inputs.stopTimeout as number) * 1000).toBeGreaterThan(stack.drainWindowMs);
        expect(replica.inputs.init).toBe(true);
        expect(replica.inputs.ports ?? []).toEqual([]);
      }
    });

    it('starts replicas after Redis is ready (every node, and the cluster job)', () => {
      const redisUrns = [...redisNodes(), ...(createJob() ? [createJob()!] : [])].map((c) => c.urn);
      for (const replica of replicas())
        expect(replica.dependencies).toEqual(expect.arrayContaining(redisUrns));
    });

    it('starts the proxy after every replica', () => {
      expect(proxy().dependencies).toEqual(expect.arrayContaining(replicas().map((c) => c.urn)));
    });

    it('uploads exactly the shared renderer output for the same options', () => {
      const input = proxyInput(stack, {
        backends: Array.from({ length: expected.replicas }, (_, i) => ({
          id: `app-${i + 1}`,
          host: `${prefix}-app-${i + 1}`,
          port: 8080,
        })),
        listen: { host: '0.0.0.0', port: 8080 },
        stats: { host: '0.0.0.0', port: 8404 },
        paths: CONTAINER_PROXY[expected.proxy].paths,
      });
      // HAProxy re-resolves the replicas through Docker's DNS; Nginx resolves once (it is replaced).
      const rendered =
        expected.proxy === 'haproxy'
          ? renderHaproxyConfig({ ...input, dnsResolver: DOCKER_DNS })
          : renderNginxConfig(input);
      const uploads = proxy().inputs.uploads as { file: string; content: string }[];
      expect(uploads).toHaveLength(1);
      expect(uploads[0]!.file).toBe(CONTAINER_PROXY[expected.proxy].configPath);
      expect(uploads[0]!.content).toBe(rendered);
      // And the render really points at the replica containers.
      for (const replica of replicas()) expect(rendered).toContain(`${replica.inputs.name}:8080`);
      const command = proxy().inputs.command as string[];
      expect(command).toContain(CONTAINER_PROXY[expected.proxy].configPath);
      if (expected.proxy === 'haproxy') {
        expect(rendered).toContain('nameserver dns 127.0.0.11:53');
        expect(rendered).toContain('resolvers dns init-addr last,libc,none');
      }
    });

    it('replaces Nginx whenever a replica container is replaced (it resolves upstreams once)', () => {
      const labels = (proxy().inputs.labels ?? []) as { label: string; value: string }[];
      if (expected.proxy === 'haproxy') {
        expect(labels).toEqual([]);
        return;
      }
      expect(labels).toEqual([
        {
          label: REPLICA_IDS_LABEL,
          value: replicas()
            .map((replica) => `${replica.name}-id`)
            .join(','),
        },
      ]);
    });

    it('publishes the WebSocket and stats ports on the configured host address only', () => {
      // The internal listener (/metrics, /api/*, /admin/*) only when the stack names a host port.
      expect(proxy().inputs.ports).toEqual([
        { internal: 8080, external: stack.httpPort, ip: stack.publishAddress },
        ...(stack.statsPort === undefined
          ? []
          : [{ internal: 8404, external: stack.statsPort, ip: stack.publishAddress }]),
      ]);
      const published = containers().filter(
        (c) => ((c.inputs.ports as unknown[] | undefined) ?? []).length > 0,
      );
      expect(published.map((c) => c.inputs.name)).toEqual([`${prefix}-${expected.proxy}`]);
    });

    it('uses the configured (official by default) images', () => {
      const refs = run.byType(TYPES.remoteImage).map((image) => image.inputs.name);
      expect(refs.sort()).toEqual(
        [expected.proxy === 'haproxy' ? stack.haproxyImage : stack.nginxImage, stack.redisImage].sort(),
      );
    });

    it('exports the WebSocket and stats URLs', () => {
      expect(run.outputs.wsUrl).toBe(`ws://127.0.0.1:${stack.httpPort}/ws`);
      expect(run.outputs.statsUrl).toBe(
        stack.statsPort === undefined
          ? undefined
          : expected.proxy === 'haproxy'
            ? `http://127.0.0.1:${stack.statsPort}/stats`
            : `http://127.0.0.1:${stack.statsPort}/stub_status`,
      );
    });

    it('keeps the Redis password secret: a secret output, and never plain in any input or output', async () => {
      const secretOutput = run.outputs.redisPasswordSecret as pulumi.Output<string>;
      expect(await pulumi.isSecret(secretOutput)).toBe(true);
      expect(await outputValue(secretOutput)).toBe(MOCK_REDIS_PASSWORD);
      for (const [name, value] of Object.entries(run.outputs)) {
        if (name === 'redisPasswordSecret') continue;
        const plain = pulumi.Output.isInstance(value)
          ? (await pulumi.isSecret(value))
            ? ''
            : JSON.stringify(await outputValue(value))
          : (JSON.stringify(value) ?? '');
        expect(plain, `output ${name}`).not.toContain(MOCK_REDIS_PASSWORD);
      }
      const leaks = run.resources.filter((resource: Registered) =>
        plainStrings(resource.wireInputs).some((text) => text.includes(MOCK_REDIS_PASSWORD)),
      );
      expect(leaks.map((resource) => resource.name)).toEqual([]);
      // It is used, though: every replica and Redis node receives it (as a secret).
      expect(replicas().every((replica) => envMap(replica).REDIS_PASSWORD === MOCK_REDIS_PASSWORD)).toBe(
        true,
      );
    });
  });
}
