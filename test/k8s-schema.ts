import { Manifest } from './helpers';

// kubernetes-models validates types, formats, enums and required fields against the Kubernetes OpenAPI schema.
const MODELS: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding':
    'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
  'apiregistration.k8s.io/v1/APIService': 'kubernetes-models/apiregistration.k8s.io/v1/APIService',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes-models/rbac.authorization.k8s.io/v1/Role',
};

// Custom resources are not in kubernetes-models: their fields are checked against lists taken from the CRDs.
const CRD_FIELDS: Record<string, unknown> = require('./fixtures/crd-fields.json');

/** Unknown fields, missing required fields and scalar types of a custom resource's spec, by its CRD field list. */
export function validateCustomResource(o: Manifest): void {
  const key = `${o.apiVersion}/${o.kind}`;
  const schema = CRD_FIELDS[key];
  if (!schema || key.startsWith('_'))
    throw new Error(`no CRD field list for ${key}: add it to test/fixtures/crd-fields.json`);
  for (const k of Object.keys(o))
    if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k))
      throw new Error(`${key}: unknown top-level field ${k}`);
  for (const k of Object.keys(o.metadata ?? {}))
    if (!['name', 'namespace', 'labels', 'annotations'].includes(k))
      throw new Error(`${key}: unexpected metadata.${k}`);
  check(schema, o.spec, `${key} spec`);
}

function check(schema: unknown, value: unknown, path: string): void {
  if (typeof schema === 'string') {
    const ok =
      schema === '*'
        ? value !== null &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          Object.values(value as object).every((v) => typeof v === 'string')
        : schema === 'integer'
          ? Number.isInteger(value)
          : typeof value === schema;
    if (!ok)
      throw new Error(
        `${path}: expected ${schema === '*' ? 'a map of strings' : schema}, got ${JSON.stringify(value)}`,
      );
    return;
  }
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) throw new Error(`${path}: expected an array`);
    value.forEach((v, i) => check(schema[0], v, `${path}[${i}]`));
    return;
  }
  const s = schema as { fields: Record<string, unknown>; required?: string[] };
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${path}: expected an object`);
  for (const r of s.required ?? []) if (!(r in value)) throw new Error(`${path}: missing required field ${r}`);
  for (const [k, v] of Object.entries(value)) {
    if (!(k in s.fields)) throw new Error(`${path}: unknown field ${k}`);
    check(s.fields[k], v, `${path}.${k}`);
  }
}

export function validateManifest(o: Manifest): void {
  const key = `${o.apiVersion}/${o.kind}`;
  if (CRD_FIELDS[key]) {
    validateCustomResource(o);
    validateNamesAndLabels(o);
    return;
  }
  const path = MODELS[key];
  if (!path) throw new Error(`no schema for ${key}: add it to the schema test`);
  const Model = require(path)[o.kind];
  new Model(o).validate();
  validateNamesAndLabels(o);
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
// RBAC object names are path segments: anything but "/" and "%", "." and ".."
const RBAC = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** What the API server checks beyond the OpenAPI schema: object names by kind, label keys and values. */
export function validateNamesAndLabels(o: Manifest): void {
  const name: string = o.metadata?.name ?? '';
  const ok = RBAC.has(o.kind)
    ? name.length > 0 && !/[/%]/.test(name) && name !== '.' && name !== '..'
    : o.kind === 'Service' || o.kind === 'Namespace'
      ? (name.length <= 63 && DNS_1035.test(name)) ||
        (o.kind === 'Namespace' && name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
      : name.length <= 253 && DNS_SUBDOMAIN.test(name);
  if (!ok) throw new Error(`${o.kind} name ${JSON.stringify(name)} is not valid for its kind`);
  const labelSets = [o.metadata?.labels, o.spec?.template?.metadata?.labels, o.spec?.selector?.matchLabels];
  for (const labels of labelSets) {
    for (const [k, v] of Object.entries(labels ?? {})) {
      if (!LABEL_KEY.test(k) || typeof v !== 'string' || !LABEL_VALUE.test(v))
        throw new Error(`${o.kind}/${name}: invalid label ${k}=${JSON.stringify(v)}`);
    }
  }
}
