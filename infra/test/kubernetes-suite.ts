import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { schemaProblems, unknownFields } from '../../test-support/kubernetes/schema.js';
import { CONFIG_HASH_ANNOTATION } from '../kubernetes/load-balancer.js';
import {
  MOCK_AUTH_JWT_SECRET,
  MOCK_REDIS_PASSWORD,
  type ProgramRun,
  plainStrings,
  type Registered,
  runProgram,
  stackFileConfig,
} from './harness.js';

const execFileAsync = promisify(execFile);

interface Expected {
  proxy: 'haproxy' | 'nginx';
  replicas: number;
  redisNodes: number;
}

type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
};
const objectOf = (resource: Registered) => resource.inputs as unknown as KubeObject;
const isKube = (resource: Registered) => resource.type.startsWith('kubernetes:');
const named = (run: ProgramRun, name: string) => objectOf(run.byName(name));

/**
 * One Kubernetes example stack under Pulumi mocks: the objects and their order, each validated
 * strictly against the Kubernetes API schema, secrets only in Secrets.
 */
export function kubernetesStackSuite(stack: string, expected: Expected): void {
  describe(`stack ${stack} on Kubernetes`, () => {
    let run: ProgramRun;
    beforeAll(async () => {
      vi.resetModules();
      run = await runProgram(stack, stackFileConfig(stack));
    }, 60_000);

    it('declares Kubernetes objects only, each once by name', () => {
      const kinds = run.resources
        .filter(isKube)
        .map((r) => `${objectOf(r).kind}/${objectOf(r).metadata.name}`);
      expect(run.resources.filter((r) => r.type.startsWith('docker:'))).toEqual([]);
      expect(new Set(kinds).size).toBe(kinds.length);
      const prefix = `wslab-${stack}`;
      expect(kinds.sort()).toEqual(
        [
          `ConfigMap/${prefix}-${expected.proxy}-config`,
          `ConfigMap/${prefix}-grafana-dashboard`,
          `ConfigMap/${prefix}-redis-scripts`,
          `Deployment/${prefix}-${expected.proxy}`,
          ...(expected.redisNodes > 1 ? [`Job/${prefix}-redis-heal`] : []),
          `PodDisruptionBudget/${prefix}-app`,
          `Secret/${prefix}-redis-config`,
          `Secret/${prefix}-secrets`,
          `Service/${prefix}-${expected.proxy}`,
          `Service/${prefix}-${expected.proxy}-stats`,
          `Service/${prefix}-app`,
          `Service/${prefix}-redis`,
          `StatefulSet/${prefix}-app`,
          `StatefulSet/${prefix}-redis`,
        ].sort(),
      );
    });

    it('validates every object against the Kubernetes API schema, unknown fields included', () => {
      const objects = run.resources.filter(isKube).map(objectOf);
      const problems = objects.flatMap(schemaProblems);
      expect(problems).toEqual([]);
    });

    it('orders the rollout: Redis (and its heal Job) before the replicas, the replicas before the proxy', () => {
      const urn = (name: string) => run.byName(name).urn;
      const replicas = run.byName('app-replicas');
      expect(replicas.dependencies).toContain(urn(expected.redisNodes > 1 ? 'redis-heal' : 'redis-nodes'));
      if (expected.redisNodes > 1)
        expect(run.byName('redis-heal').dependencies).toContain(urn('redis-nodes'));
      expect(run.byName('proxy-proxy').dependencies).toEqual(expect.arrayContaining([urn('app-replicas')]));
    });

    it('sizes Redis and the replicas from the spec', () => {
      expect(named(run, 'redis-nodes').spec?.replicas).toBe(expected.redisNodes);
      const app = named(run, 'app-replicas').spec as {
        replicas: number;
        template: {
          spec: {
            terminationGracePeriodSeconds: number;
            containers: { readinessProbe: unknown; livenessProbe: unknown }[];
          };
        };
      };
      expect(app.replicas).toBe(expected.replicas);
      // Above the drain window (10 s in both example stacks), so a drain is never cut by SIGKILL.
      expect(app.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(10);
      expect(app.template.spec.containers[0]!.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' } });
      expect(app.template.spec.containers[0]!.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' } });
    });

    it('rolls the proxy on a config change and keeps client addresses', () => {
      const deployment = named(run, 'proxy-proxy').spec as {
        template: { metadata: { annotations: Record<string, string> } };
      };
      expect(deployment.template.metadata.annotations[CONFIG_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
      expect(named(run, 'proxy-service').spec).toMatchObject({
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
      });
      expect(named(run, 'proxy-stats').spec).not.toHaveProperty('type');
    });

    it('announces pod DNS names in the Redis Cluster and runs the same heal script', () => {
      if (expected.redisNodes === 1) return;
      const start = JSON.stringify(named(run, 'redis-nodes').spec);
      expect(start).toContain('cluster-announce-hostname');
      expect(start).toContain('cluster-preferred-endpoint-type hostname');
      const scripts = named(run, 'redis-scripts') as unknown as { data: Record<string, string> };
      expect(scripts.data['redis-cluster.sh']).toContain('redis-cli --cluster create');
    });

    it('has a proxy config the real binary accepts, short of cluster DNS', async () => {
      if (expected.proxy !== 'haproxy') return; // Nginx: see same-proxy-config.test.ts (it resolves names at -t)
      const map = run.byName('proxy-config').inputs as { data: Record<string, string> };
      const dir = mkdtempSync(join(tmpdir(), 'wslab-k8s-haproxy-'));
      try {
        const path = join(dir, 'haproxy.cfg');
        writeFileSync(path, map.data['haproxy.cfg']!);
        // Not -dW: outside a cluster the pod names do not resolve, which HAProxy warns about
        // (init-addr none: it starts and keeps those servers down until cluster DNS answers).
        const { stdout, stderr } = await execFileAsync('haproxy', ['-c', '-f', path]);
        const warnings = `${stdout}${stderr}`.split('\n').filter((line) => line.includes('[WARNING]'));
        expect(warnings).toHaveLength(expected.replicas);
        for (const line of warnings)
          expect(line).toMatch(/could not resolve address 'wslab-[\w-]+-app-\d\.wslab-[\w-]+-app'/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('keeps secrets in Secrets: no plain password in any other object', () => {
      for (const resource of run.resources.filter((r) => isKube(r) && objectOf(r).kind !== 'Secret')) {
        const strings = plainStrings(resource.wireInputs).join('\n');
        expect(strings, resource.name).not.toContain(MOCK_REDIS_PASSWORD);
        expect(strings, resource.name).not.toContain(MOCK_AUTH_JWT_SECRET);
      }
    });
  });
}

/** The validator's strictness, shown once: an unknown field anywhere fails. */
export function strictnessSuite(): void {
  describe('the schema check is strict', () => {
    it('rejects an unknown field at the top, in metadata and deep in a pod template', () => {
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'x', labelz: {} },
        spec: {
          selector: { matchLabels: { a: 'b' } },
          template: {
            metadata: { labels: { a: 'b' } },
            spec: {
              containers: [{ name: 'c', image: 'i', readinessProbe: { httpGet: { port: 80, pth: '/' } } }],
            },
          },
          replica: 2,
        },
      };
      expect(unknownFields(deployment)).toEqual([
        'Deployment.metadata.labelz: unknown field of V1ObjectMeta',
        'Deployment.spec.template.spec.containers[0].readinessProbe.httpGet.pth: unknown field of V1HTTPGetAction',
        'Deployment.spec.replica: unknown field of V1DeploymentSpec',
      ]);
      // and a wrong type or a missing required field (kubernetes-models)
      const problems = schemaProblems({
        apiVersion: 'v1',
        kind: 'Service',
        spec: { ports: [{ port: 'http' }] },
      });
      expect(problems.join('\n')).toMatch(/port must be integer/);
    });
  });
}
