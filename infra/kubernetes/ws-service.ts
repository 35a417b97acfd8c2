import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ProxyBackend } from '../../proxy/options.js';
import type { ComponentResources } from '../../topology/spec.js';
import { SERVICE_PORT, STOP_MARGIN_S } from '../components/ws-service.js';
import { labelsOf, resourceRequirements, scrapeAnnotations } from './labels.js';

/** An env value of a replica: text, or a key of a Kubernetes Secret. */
export type ReplicaEnvValue = string | { secretKeyRef: { name: pulumi.Input<string>; key: string } };

export interface KubeWsServiceArgs {
  replicas: number;
  /** The service image, pushed where the cluster can pull it (Kubernetes builds nothing). */
  image: string;
  prefix: string;
  drainWindowMs: number;
  /** The service environment (topology/replica-env.ts) for an instance id; secrets as Secret refs. */
  envOf: (instanceId: string) => Record<string, ReplicaEnvValue>;
  resources?: ComponentResources;
}

/** Env var holding the pod's own name: the instance id is taken from it. */
const POD_NAME = 'POD_NAME';

/**
 * The service replicas on Kubernetes, the counterpart of infra/components/ws-service.ts: a
 * StatefulSet (stable pod names, so the proxy's rendered server list names each replica as the lab
 * and Docker do), a headless Service giving each pod a DNS name, a PodDisruptionBudget and spread
 * across nodes and zones. Probes: readiness /readyz (unready while draining or without Redis),
 * liveness /healthz. A rolling update replaces one pod at a time; each drains (1012 in batches
 * with jitter) within terminationGracePeriodSeconds, which is above the drain window.
 */
export class KubeWsService extends pulumi.ComponentResource {
  public readonly statefulSet: k8s.apps.v1.StatefulSet;
  public readonly service: k8s.core.v1.Service;
  public readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;
  /** The replicas as proxy backends (id, pod DNS name, port), in pod order. */
  public readonly backends: ProxyBackend[];
  /** Seconds between SIGTERM and SIGKILL (> the drain window). */
  public readonly terminationGraceS: number;

  constructor(name: string, args: KubeWsServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('wslab:kubernetes:WsService', name, {}, opts);
    const base = `${args.prefix}-app`;
    const labels = labelsOf(args.prefix, 'app');
    this.terminationGraceS = Math.ceil(args.drainWindowMs / 1000) + STOP_MARGIN_S;
    this.backends = Array.from({ length: args.replicas }, (_, index) => ({
      id: `app-${index}`,
      host: `${base}-${index}.${base}`,
      port: SERVICE_PORT,
    }));
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: base, labels },
        spec: {
          clusterIP: 'None',
          selector: labels,
          ports: [{ name: 'http', port: SERVICE_PORT, targetPort: SERVICE_PORT }],
        },
      },
      { parent: this },
    );
    const env = Object.entries(args.envOf(`$(${POD_NAME})`)).map(([envName, value]) =>
      typeof value === 'string' ? { name: envName, value } : { name: envName, valueFrom: value },
    );
    const probe = (path: string, periodSeconds: number) => ({
      httpGet: { path, port: SERVICE_PORT },
      periodSeconds,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    const spread = (topologyKey: string) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: labels },
    });
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-replicas`,
      {
        metadata: { name: base, labels },
        spec: {
          serviceName: base,
          replicas: args.replicas,
          podManagementPolicy: 'Parallel',
          updateStrategy: { type: 'RollingUpdate' },
          selector: { matchLabels: labels },
          template: {
            metadata: { labels, annotations: scrapeAnnotations(SERVICE_PORT) },
            spec: {
              terminationGracePeriodSeconds: this.terminationGraceS,
              topologySpreadConstraints: [
                spread('kubernetes.io/hostname'),
                spread('topology.kubernetes.io/zone'),
              ],
              containers: [
                {
                  name: 'app',
                  image: args.image,
                  env: [{ name: POD_NAME, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, ...env],
                  ports: [{ name: 'http', containerPort: SERVICE_PORT }],
                  readinessProbe: probe('/readyz', 2),
                  livenessProbe: probe('/healthz', 5),
                  // Node may take long to start on a loaded node; liveness starts counting after this.
                  startupProbe: { ...probe('/healthz', 2), failureThreshold: 30 },
                  resources: resourceRequirements(args.resources),
                },
              ],
            },
          },
        },
      },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name: base, labels },
        // A voluntary eviction (node drain) takes one replica at a time; the others keep its clients.
        spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
      },
      { parent: this },
    );
    this.registerOutputs({ backends: this.backends });
  }
}
