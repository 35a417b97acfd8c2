import { beforeAll, describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../../haproxy/render.js';
import { renderNginxConfig } from '../../nginx/render.js';
import { proxyInput } from '../../topology/proxy-input.js';
import { parseConfigMap, type StackConfig } from '../../topology/stack-config.js';
import { DOCKER_DNS } from '../components/load-balancer.js';
import { CLUSTER_SCRIPT, NODE_START_SCRIPT } from '../components/redis-cluster.js';
import { CONTAINER_PROXY } from '../container-proxy.js';
import { APP_COMMAND, UPDATE_DELAY } from '../swarm/app-service.js';
import { APP_VERSION_LABEL, SERVER_TEMPLATE_SLOTS } from '../swarm/proxy-service.js';
import { HOST_LABEL } from '../swarm/redis-services.js';
import { withSecretEnv } from '../swarm/secret-env.js';
import {
  MOCK_AUTH_JWT_SECRET,
  MOCK_REDIS_PASSWORD,
  type ProgramRun,
  plainStrings,
  type Registered,
  runProgram,
  stackFileConfig,
  TYPES,
} from './harness.js';

type Spec = Record<string, unknown>;
const containerSpec = (service: Registered) => (service.inputs.taskSpec as Spec).containerSpec as Spec;
const taskSpec = (service: Registered) => service.inputs.taskSpec as Spec;
const decode = (base64: unknown) => Buffer.from(String(base64), 'base64').toString('utf8');

/**
 * The checks every example Swarm stack (`platform: swarm`) passes under mocks: services, not
 * containers; secrets as Swarm secrets only; the proxy's config is the shared renderer's.
 */
export function swarmStackSuite(
  stackName: string,
  expected: { proxy: 'haproxy' | 'nginx'; replicas: number; redisNodes: 1 | 6; hosts: number },
): void {
  describe(`stack ${stackName} (Pulumi.${stackName}.yaml under mocks, platform swarm)`, () => {
    let run: ProgramRun;
    let stack: StackConfig;
    const prefix = `wslab-${stackName}`;
    const services = () => run.byType(TYPES.service);
    const service = (name: string) => {
      const found = services().find((s) => s.inputs.name === name);
      if (found === undefined) throw new Error(`no service ${name}`);
      return found;
    };
    const app = () => service(`${prefix}-app`);
    const proxy = () => service(`${prefix}-${expected.proxy}`);
    const redisNodes = () => services().filter((s) => /-redis-\d+$/.test(s.inputs.name as string));

    beforeAll(async () => {
      const config = stackFileConfig(stackName);
      stack = parseConfigMap(config);
      run = await runProgram(stackName, config);
    });

    it('declares services on an overlay network, and no container', () => {
      expect(stack.platform).toBe('swarm');
      expect(run.byType(TYPES.container)).toEqual([]);
      const network = run.byType(TYPES.network);
      expect(network).toHaveLength(1);
      expect(network[0]!.inputs).toMatchObject({ driver: 'overlay', attachable: true });
      expect((network[0]!.inputs.ipamConfigs as Spec[])[0]!.subnet).toMatch(
        /^10\.215\.([0-9]|[1-9][0-9]|1[01][0-9]|12[0-7])\.0\/24$/,
      );
      const names = services()
        .map((s) => s.inputs.name)
        .sort();
      const cluster = expected.redisNodes === 6 ? [`${prefix}-redis-cluster-create`] : [];
      expect(names).toEqual(
        [
          `${prefix}-app`,
          `${prefix}-${expected.proxy}`,
          ...Array.from({ length: expected.redisNodes }, (_, i) => `${prefix}-redis-${i}`),
          ...cluster,
        ].sort(),
      );
      for (const s of services()) {
        expect((s.inputs.endpointSpec as Spec).mode, `${s.inputs.name} endpoint mode`).toBe('dnsrr');
        expect(s.deleteBeforeReplace, `${s.inputs.name}: unique names`).toBe(true);
      }
    });

    it('runs the replicas as one service: rolling start-first with a delay, grace above the drain window', () => {
      const spec = app().inputs;
      expect(spec.mode).toEqual({ replicated: { replicas: expected.replicas } });
      expect(spec.updateConfig).toMatchObject({ parallelism: 1, order: 'start-first', delay: UPDATE_DELAY });
      const container = containerSpec(app());
      const graceS = Number.parseInt(String(container.stopGracePeriod), 10);
      expect(graceS * 1000).toBeGreaterThan(stack.drainWindowMs);
      expect(container.stopSignal).toBe('SIGTERM');
      expect(container.commands).toEqual(withSecretEnv(APP_COMMAND));
      expect((container.healthcheck as Spec).tests).toEqual(expect.arrayContaining(['CMD', 'node']));
      expect((taskSpec(app()).placement as Spec).prefs).toEqual(['spread=node.id']);
      const env = container.env as Record<string, string>;
      expect(env.INSTANCE_ID).toBe('app-{{.Task.Slot}}');
      if (expected.redisNodes === 6) {
        expect(env.REDIS_CLUSTER_NODES).toBe(
          Array.from({ length: 6 }, (_, i) => `${prefix}-redis-${i}:6379`).join(','),
        );
      } else expect(env.REDIS_URL).toBe(`redis://${prefix}-redis-0:6379`);
      // Secrets are files of Swarm secrets, never env values.
      for (const key of ['REDIS_PASSWORD', 'AUTH_JWT_SECRET', 'PUBLISH_API_KEY'])
        expect(env).not.toHaveProperty(key);
      const files = (container.secrets as Spec[]).map((s) => s.fileName).sort();
      expect(files).toEqual(
        stack.auth === 'jwt' ? ['AUTH_JWT_SECRET', 'REDIS_PASSWORD'] : ['REDIS_PASSWORD'],
      );
    });

    it('keeps every secret in Swarm secrets: no plain input or output holds one', () => {
      const secrets = run.byType(TYPES.secret);
      const values = secrets.map((s) => decode(s.inputs.data));
      expect(values).toContain(MOCK_REDIS_PASSWORD);
      if (stack.auth === 'jwt') expect(values).toContain(MOCK_AUTH_JWT_SECRET);
      for (const resource of run.resources) {
        for (const text of plainStrings(resource.wireInputs)) {
          for (const secret of [MOCK_REDIS_PASSWORD, MOCK_AUTH_JWT_SECRET]) {
            expect(text, `${resource.name}`).not.toContain(secret);
            expect(text, `${resource.name} (base64)`).not.toContain(Buffer.from(secret).toString('base64'));
          }
        }
      }
      // Names carry a digest of the value, so a changed secret is a new one (Swarm secrets are immutable).
      for (const s of secrets) expect(s.inputs.name).toMatch(new RegExp(`^${prefix}-[a-z-]+-[0-9a-f]{8}$`));
    });

    it('pins each Redis node to a host with its own volume; masters and their replicas apart', () => {
      expect(redisNodes()).toHaveLength(expected.redisNodes);
      const hostOf = (index: number) => {
        const constraints = (taskSpec(service(`${prefix}-redis-${index}`)).placement as Spec)
          .constraints as string[];
        expect(constraints).toHaveLength(1);
        return Number(constraints[0]!.replace(`node.labels.${HOST_LABEL}==`, ''));
      };
      for (let i = 0; i < expected.redisNodes; i++) {
        const node = service(`${prefix}-redis-${i}`);
        expect(node.inputs.mode).toEqual({ replicated: { replicas: 1 } });
        expect(containerSpec(node).mounts).toEqual([
          { type: 'volume', source: `${prefix}-redis-${i}-data`, target: '/data' },
        ]);
        expect(hostOf(i)).toBeLessThan(expected.hosts);
      }
      if (expected.redisNodes === 6) {
        // redis-cli --cluster create: masters are nodes 0..2; master k gets node 3 + (k + 1) mod 3.
        for (let k = 0; k < 3; k++) expect(hostOf(3 + ((k + 1) % 3)), `master ${k}`).not.toBe(hostOf(k));
        const create = service(`${prefix}-redis-cluster-create`);
        expect(taskSpec(create).restartPolicy).toMatchObject({ condition: 'on-failure' });
        const scripts = run.byType(TYPES.serviceConfig).map((c) => decode(c.inputs.data));
        expect(scripts).toEqual(expect.arrayContaining([CLUSTER_SCRIPT, NODE_START_SCRIPT]));
      }
    });

    it('runs the proxy on the manager, published in host mode, with the shared renderer’s config', () => {
      expect((taskSpec(proxy()).placement as Spec).constraints).toEqual(['node.role==manager']);
      const ports = (proxy().inputs.endpointSpec as Spec).ports as Spec[];
      expect(ports.map((p) => [p.publishedPort, p.publishMode])).toEqual([
        [stack.httpPort, 'host'],
        [stack.statsPort, 'host'],
      ]);
      const input = proxyInput(stack, {
        backends: [{ id: 'app', host: `tasks.${prefix}-app`, port: 8080 }],
        listen: { host: '0.0.0.0', port: CONTAINER_PROXY.listenPort },
        stats: { host: '0.0.0.0', port: CONTAINER_PROXY.statsPort },
        paths: CONTAINER_PROXY[expected.proxy].paths,
      });
      const rendered =
        expected.proxy === 'haproxy'
          ? renderHaproxyConfig({
              ...input,
              dnsResolver: DOCKER_DNS,
              serverTemplateSlots: SERVER_TEMPLATE_SLOTS,
            })
          : renderNginxConfig(input);
      const configs = run.byType(TYPES.serviceConfig).map((c) => decode(c.inputs.data));
      expect(configs).toContain(rendered);
      if (expected.proxy === 'haproxy') {
        expect(rendered).toContain(`server-template app ${SERVER_TEMPLATE_SLOTS} tasks.${prefix}-app:8080`);
      } else {
        // Nginx resolves tasks.<app> once: a changed app spec rolls the proxy's task.
        const labels = containerSpec(proxy()).labels as Spec[];
        expect(labels.map((l) => l.label)).toEqual([APP_VERSION_LABEL]);
        expect(String(labels[0]!.value)).toMatch(/^[0-9a-f]{16}$/);
      }
    });
  });
}
