/**
 * Strict validation of Kubernetes objects against the API the two packages below are generated
 * from (Kubernetes 1.34: both know the Container's `restartPolicyRules`, new in 1.34):
 * - kubernetes-models (ajv validators compiled from the OpenAPI): types, required fields, enums,
 *   formats — but it ignores fields it does not know;
 * - @kubernetes/client-node's model attribute maps (generated from the same OpenAPI): every field
 *   each type has, so an unknown field anywhere fails, as `kubectl apply --validate=strict` (or
 *   kubeconform -strict) would fail it.
 * CRD objects (PodMonitor, k6 TestRun) are not covered: no package ships their schemas.
 */
import * as models from '@kubernetes/client-node/dist/gen/models/all.js';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

interface AttributeType {
  baseName: string;
  type: string;
}
type ModelClass = { getAttributeTypeMap(): AttributeType[] };
const MODELS = models as unknown as Record<string, ModelClass | undefined>;

/** `apps/v1` + `StatefulSet` → `V1StatefulSet` (client-node's naming of the OpenAPI definitions). */
function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.slice(apiVersion.lastIndexOf('/') + 1);
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** One line per field the API does not have, with its path (`spec.template.spec.containers[0].bogus`). */
export function unknownFields(object: {
  apiVersion: string;
  kind: string;
  [field: string]: unknown;
}): string[] {
  const problems: string[] = [];
  walk(object, modelName(object.apiVersion, object.kind), object.kind, problems);
  return problems;
}

function walk(value: unknown, type: string, path: string, problems: string[]): void {
  if (value === undefined || value === null) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null) {
    if (!Array.isArray(value)) return void problems.push(`${path}: expected a list`);
    for (const [index, item] of value.entries()) walk(item, array[1]!, `${path}[${index}]`, problems);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map !== null) {
    if (typeof value !== 'object' || Array.isArray(value))
      return void problems.push(`${path}: expected a map`);
    for (const [key, item] of Object.entries(value)) walk(item, map[1]!, `${path}.${key}`, problems);
    return;
  }
  const model = MODELS[type];
  if (model === undefined) return; // a scalar (string, number, IntOrString, any, …): kubernetes-models checks those
  if (typeof value !== 'object' || Array.isArray(value))
    return void problems.push(`${path}: expected an object`);
  const fields = new Map(model.getAttributeTypeMap().map((field) => [field.baseName, field.type]));
  for (const [key, item] of Object.entries(value)) {
    const fieldType = fields.get(key);
    if (fieldType === undefined) problems.push(`${path}.${key}: unknown field of ${type}`);
    else walk(item, fieldType, `${path}.${key}`, problems);
  }
}

/** kubernetes-models' class per `apiVersion kind` the program declares. */
const MODEL_CLASSES: Record<string, new (data: never) => { validate(): void }> = {
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'v1 Service': Service,
  'apps/v1 Deployment': Deployment,
  'apps/v1 StatefulSet': StatefulSet,
  'batch/v1 Job': Job,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/** Every problem of one object: schema errors (kubernetes-models), then unknown fields; [] = valid. */
export function schemaProblems(object: {
  apiVersion: string;
  kind: string;
  [field: string]: unknown;
}): string[] {
  const problems: string[] = [];
  const Model = MODEL_CLASSES[`${object.apiVersion} ${object.kind}`];
  if (Model === undefined) return [`${object.apiVersion} ${object.kind}: no schema here (add its class)`];
  try {
    new Model(object as never).validate();
  } catch (error) {
    problems.push(`${object.kind}: ${(error as Error).message}`);
  }
  return [...problems, ...unknownFields(object)];
}
