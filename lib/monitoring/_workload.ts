import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import {
  LINUX_NODES,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  spreadAcrossNodes,
} from '../kit/pod';

export interface SingleContainerDeploymentOptions {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly container: k8s.Container;
  readonly volumes: k8s.Volume[];
  readonly uid: number;
  readonly annotations?: Record<string, string>;
  readonly serviceAccountName?: string;
  /**
   * Surge a new pod before the old one goes, for stateless servers that must stay available.
   * @default false (Recreate: in-memory state cannot be shared by two pods anyway)
   */
  readonly rollingUpdate?: boolean;
  /**
   * @default 1
   */
  readonly replicas?: number;
  /**
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Run in the node's network namespace (for API servers the control plane cannot reach on pod IPs). Two such
   * pods cannot share a node: they would bind the same port.
   * @default false
   */
  readonly hostNetwork?: boolean;
}

/**
 * One replica unless told otherwise (spread across nodes then), restricted security, Linux nodes, no
 * service-account token unless the pod talks to the API server.
 */
export function singleContainerDeployment(
  scope: Construct,
  id: string,
  o: SingleContainerDeploymentOptions,
): k8s.KubeDeployment {
  return new k8s.KubeDeployment(scope, id, {
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    spec: {
      replicas: o.replicas ?? 1,
      selector: { matchLabels: o.selector },
      strategy: o.rollingUpdate
        ? {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
          }
        : { type: 'Recreate' },
      template: {
        metadata: { labels: o.labels, ...(o.annotations ? { annotations: o.annotations } : {}) },
        spec: {
          ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
          automountServiceAccountToken: o.serviceAccountName !== undefined,
          enableServiceLinks: false,
          nodeSelector: LINUX_NODES,
          ...(o.priorityClassName ? { priorityClassName: o.priorityClassName } : {}),
          ...(o.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
          ...((o.replicas ?? 1) > 1 ? spread(o) : {}),
          securityContext: restrictedPodSecurityContext(o.uid),
          containers: [{ ...o.container, securityContext: restrictedContainerSecurityContext() }],
          volumes: o.volumes,
        },
      },
    },
  });
}

function spread(o: SingleContainerDeploymentOptions): Pick<k8s.PodSpec, 'affinity' | 'topologySpreadConstraints'> {
  if (!o.hostNetwork) return { topologySpreadConstraints: spreadAcrossNodes(o.selector) };
  return {
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: o.selector } },
        ],
      },
    },
  };
}

export function clusterIpService(
  scope: Construct,
  id: string,
  o: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    selector: Record<string, string>;
    port: number;
    targetPort: string;
    portName: string;
    annotations?: Record<string, string>;
  },
): k8s.KubeService {
  return new k8s.KubeService(scope, id, {
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels: o.labels,
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      type: 'ClusterIP',
      selector: o.selector,
      ports: [
        { name: o.portName, port: o.port, targetPort: k8s.IntOrString.fromString(o.targetPort), protocol: 'TCP' },
      ],
    },
  });
}
