import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { checkDnsLabel, propError } from '../_checks';
import { isLabelValue } from '../labels';
import * as k8s from '../../imports/k8s';

/** Pods allowed to reach a server of the monitoring stack. */
export class NetworkPeer {
  /** Pods with these labels in this namespace. */
  public static pods(namespace: string, podLabels: Record<string, string>): NetworkPeer {
    return new NetworkPeer(namespace, podLabels);
  }

  private constructor(public readonly namespace: string, public readonly podLabels: Record<string, string>) {}

  /** @internal */
  public _toKube(): k8s.NetworkPolicyPeer {
    return {
      // set by the API server on every namespace since Kubernetes 1.21
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.namespace } },
      podSelector: { matchLabels: this.podLabels },
    };
  }
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A peer must name its namespace and at least one pod label: an empty selector would admit the whole namespace. */
export function checkPeer(scope: IConstruct, prop: string, peer: NetworkPeer): NetworkPeer {
  if (!(peer instanceof NetworkPeer)) throw propError(scope, prop, peer, 'a NetworkPeer (NetworkPeer.pods(namespace, labels))');
  checkDnsLabel(scope, `${prop}.namespace`, peer.namespace);
  const labels = peer.podLabels;
  if (labels === null || typeof labels !== 'object' || Object.keys(labels).length === 0
    || Object.entries(labels).some(([k, v]) => !LABEL_KEY.test(k) || !isLabelValue(v))) {
    throw propError(scope, `${prop}.podLabels`, labels, 'at least one valid Kubernetes label, so that only those pods are admitted');
  }
  return peer;
}

export interface IngressPolicyOptions {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly podSelector: Record<string, string>;
  readonly port: number;
  /** Who may connect; `undefined` for anyone (the port is then the only restriction). */
  readonly from: () => NetworkPeer[] | undefined;
}

/** Synth fails with `error` while `peers` is empty: a policy admitting nobody would lock the server. */
export function requirePeers(scope: IConstruct, peers: () => NetworkPeer[], error: string): void {
  scope.node.addValidation({ validate: () => (peers().length === 0 ? [error] : []) });
}

/**
 * A NetworkPolicy that admits traffic to one port of the selected pods, and nothing else. Its peers are read at
 * synth time, so clients added after construction are included.
 */
export function ingressPolicy(scope: Construct, id: string, o: IngressPolicyOptions): ApiObject {
  const spec = (): k8s.NetworkPolicySpec => {
    const peers = o.from();
    return {
      podSelector: { matchLabels: o.podSelector },
      policyTypes: ['Ingress'],
      ingress: [{
        ...(peers ? { from: peers.map((p) => p._toKube()) } : {}),
        ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(o.port) }],
      }],
    };
  };
  return new ApiObject(scope, id, {
    ...k8s.KubeNetworkPolicy.GVK,
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    spec: Lazy.any({ produce: () => k8s.KubeNetworkPolicy.manifest({ spec: spec() }).spec }),
  });
}
