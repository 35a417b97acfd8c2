import type * as k8s from '@pulumi/kubernetes';
import type { ComponentResources } from '../../topology/spec.js';

/** `app.kubernetes.io/*` labels on every object (the Helm convention), one component each. */
export function labelsOf(instance: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'wslab',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
  };
}

/**
 * Requests = limits = the spec's caps (the same quota the lab measured under, so a pod gets the
 * Guaranteed class when both are set); unset = no entry (best effort, as uncapped on Docker).
 */
export function resourceRequirements(
  resources: ComponentResources | undefined,
): k8s.types.input.core.v1.ResourceRequirements | undefined {
  const amounts: Record<string, string> = {};
  if (resources?.cpuCores !== undefined) amounts.cpu = `${Math.round(resources.cpuCores * 1000)}m`;
  if (resources?.memoryMiB !== undefined) amounts.memory = `${resources.memoryMiB}Mi`;
  return Object.keys(amounts).length === 0 ? undefined : { requests: amounts, limits: amounts };
}

/** Prometheus' conventional scrape annotations (honoured by the common scrape configs). */
export function scrapeAnnotations(port: number, path = '/metrics'): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': path };
}
