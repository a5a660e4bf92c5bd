import { Manifest } from './helpers';

// kubernetes-models validates types, formats, enums and required fields against the Kubernetes OpenAPI schema.
const MODELS: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
  'apiregistration.k8s.io/v1/APIService': 'kubernetes-models/apiregistration.k8s.io/v1/APIService',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
};

export function validateManifest(o: Manifest): void {
  const key = `${o.apiVersion}/${o.kind}`;
  const path = MODELS[key];
  if (!path) throw new Error(`no schema for ${key}: add it to the schema test`);
  const Model = require(path)[o.kind];
  new Model(o).validate();
}

