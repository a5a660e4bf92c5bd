import { createHash } from 'crypto';
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';

/**
 * An env var's value from the pod's own fields (downward API). `apiVersion` is written although the API server
 * defaults it: `fieldRef` is an atomic struct for server-side apply, so a manifest without it differs from the live
 * object as a whole, and `kubectl apply --server-side` over a client-side apply then conflicts on it (seen on a
 * real API server).
 */
export function podField(fieldPath: string): k8s.EnvVarSource {
  return { fieldRef: { apiVersion: 'v1', fieldPath } };
}

/** Every image here is built for Linux only: a Windows node would pull it and fail. */
export const LINUX_NODES = { 'kubernetes.io/os': 'linux' };

/**
 * Spreads a Deployment's pods across nodes where the cluster has several, without refusing to schedule on a
 * single-node cluster.
 */
export function spreadAcrossNodes(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return [
    {
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
    },
  ];
}

/** A policy/v1 PodDisruptionBudget: voluntary evictions (node drains, upgrades) keep this many pods. */
export function podDisruptionBudget(
  scope: Construct,
  id: string,
  o: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    selector: Record<string, string>;
    minAvailable?: number;
    maxUnavailable?: number;
  },
): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    spec: {
      selector: { matchLabels: o.selector },
      ...(o.minAvailable !== undefined ? { minAvailable: k8s.IntOrString.fromNumber(o.minAvailable) } : {}),
      ...(o.maxUnavailable !== undefined ? { maxUnavailable: k8s.IntOrString.fromNumber(o.maxUnavailable) } : {}),
    },
  });
}

/**
 * Pod security for images that can run as an unprivileged user. Pod-level `runAsNonRoot` makes the kubelet
 * refuse to start a container that would run as root, rather than silently running it.
 */
export function restrictedPodSecurityContext(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Renders cdk8s-plus resource value types (used as our props) into the Kubernetes object. */
export function renderResources(resources: kplus.ContainerResources): k8s.ResourceRequirements {
  const requests: Record<string, k8s.Quantity> = {};
  const limits: Record<string, k8s.Quantity> = {};
  if (resources.cpu?.request) requests.cpu = k8s.Quantity.fromString(canonicalCpu(resources.cpu.request.amount));
  if (resources.cpu?.limit) limits.cpu = k8s.Quantity.fromString(canonicalCpu(resources.cpu.limit.amount));
  if (resources.memory?.request) requests.memory = k8s.Quantity.fromString(mebibytes(resources.memory.request));
  if (resources.memory?.limit) limits.memory = k8s.Quantity.fromString(mebibytes(resources.memory.limit));
  if (resources.ephemeralStorage?.request)
    requests['ephemeral-storage'] = k8s.Quantity.fromString(mebibytes(resources.ephemeralStorage.request));
  if (resources.ephemeralStorage?.limit)
    limits['ephemeral-storage'] = k8s.Quantity.fromString(mebibytes(resources.ephemeralStorage.limit));
  return {
    ...(Object.keys(requests).length ? { requests } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}

/**
 * A size in the form the API server stores it (`1Gi`, not `1024Mi`): a manifest in another form differs from the
 * live object, so `kubectl apply` reports it `configured` on every run and a server-side apply over a client-side
 * one conflicts on it (seen on a real API server).
 */
export function mebibytes(size: Size): string {
  let value = size.toMebibytes();
  for (const unit of ['Gi', 'Ti', 'Pi']) {
    if (value % 1024 !== 0) break;
    value /= 1024;
    if (value % 1024 !== 0 || unit === 'Pi') return `${value}${unit}`;
  }
  return `${size.toMebibytes()}Mi`;
}

/** A CPU amount in the API server's form: whole cores without a suffix, anything else in millicores. */
export function canonicalCpu(amount: string): string {
  const millis = amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
  if (!Number.isFinite(millis) || !Number.isInteger(millis)) return amount;
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** A short content hash for pod-template annotations: a changed ConfigMap then rolls the pods. */
export function checksum(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p).update('\0');
  return hash.digest('hex');
}

export function emptyDirVolume(name: string, sizeLimit?: string): k8s.Volume {
  return { name, emptyDir: sizeLimit ? { sizeLimit: k8s.Quantity.fromString(sizeLimit) } : {} };
}

export function tcpProbe(port: number, periodSeconds: number, failureThreshold: number): k8s.Probe {
  return { tcpSocket: { port: k8s.IntOrString.fromNumber(port) }, periodSeconds, failureThreshold, timeoutSeconds: 5 };
}

export function httpProbe(
  path: string,
  port: string,
  periodSeconds: number,
  failureThreshold: number,
  scheme = 'HTTP',
): k8s.Probe {
  return {
    httpGet: { path, port: k8s.IntOrString.fromString(port), scheme },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 5,
  };
}
