import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { checkDnsLabel, propError, PropChecks } from '../kit/checks';
import { isLabelValue } from '../kit/labels';
import * as k8s from '../../imports/k8s';

/** Pods (or, for what runs on the nodes' network, addresses) allowed to reach a server of the monitoring stack. */
export class NetworkPeer {
  /** Pods with these labels in this namespace. */
  public static pods(namespace: string, podLabels: Record<string, string>): NetworkPeer {
    return new NetworkPeer(namespace, podLabels);
  }

  /**
   * Whatever connects from an address in this range (CIDR, e.g. `10.0.0.0/16`): a NetworkPolicy `ipBlock`. For
   * clients that are no pod of the pod network, such as a `hostNetwork` pod, whose traffic comes from its node's
   * address, which no pod selector matches (Calico, Cilium). Cilium selects nodes by an ipBlock only with its
   * `policy-cidr-match-mode: nodes` setting.
   */
  public static ipBlock(cidr: string): NetworkPeer {
    return new NetworkPeer('', {}, cidr);
  }

  private constructor(
    /** The pods' namespace ('' for an ipBlock). */
    public readonly namespace: string,
    /** The pods' labels (none for an ipBlock). */
    public readonly podLabels: Record<string, string>,
    /** The address range of an ipBlock peer. */
    public readonly cidr?: string,
  ) {}

  /** Whether pods with these labels in this namespace are among the peer's pods (never for an ipBlock). */
  public admits(namespace: string, podLabels: Record<string, string>): boolean {
    if (this.cidr !== undefined) return false;
    return namespace === this.namespace && Object.entries(this.podLabels).every(([k, v]) => podLabels[k] === v);
  }

  /** @internal the same namespace and labels: a policy needs it once */
  public _key(): string {
    if (this.cidr !== undefined) return `ipBlock|${this.cidr}`;
    return `${this.namespace}|${JSON.stringify(Object.entries(this.podLabels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
  }

  /** @internal */
  public _toKube(): k8s.NetworkPolicyPeer {
    if (this.cidr !== undefined) return { ipBlock: { cidr: this.cidr } };
    return {
      // set by the API server on every namespace since Kubernetes 1.21
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.namespace } },
      podSelector: { matchLabels: this.podLabels },
    };
  }
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

/**
 * A peer must name its namespace and at least one pod label: an empty selector would admit the whole namespace.
 * An ipBlock must be a CIDR narrower than everything (`/0` would admit every address).
 */
export function checkPeer(scope: IConstruct, prop: string, peer: NetworkPeer): NetworkPeer {
  if (!(peer instanceof NetworkPeer))
    throw propError(
      scope,
      prop,
      peer,
      'a NetworkPeer (NetworkPeer.pods(namespace, labels) or NetworkPeer.ipBlock(cidr))',
    );
  if (peer.cidr !== undefined) {
    if (
      typeof peer.cidr !== 'string' ||
      !(IPV4_CIDR.test(peer.cidr) || IPV6_CIDR.test(peer.cidr)) ||
      /\/0$/.test(peer.cidr)
    ) {
      throw propError(
        scope,
        `${prop}.cidr`,
        peer.cidr,
        'an IPv4 or IPv6 CIDR with a prefix length of at least 1, e.g. "10.0.0.0/16"',
      );
    }
    return peer;
  }
  // both halves of a pods peer at once
  const c = new PropChecks();
  c.check(() => checkDnsLabel(scope, `${prop}.namespace`, peer.namespace));
  const labels = peer.podLabels;
  if (
    labels === null ||
    typeof labels !== 'object' ||
    Object.keys(labels).length === 0 ||
    Object.entries(labels).some(([k, v]) => !LABEL_KEY.test(k) || !isLabelValue(v))
  ) {
    c.check(() => {
      throw propError(
        scope,
        `${prop}.podLabels`,
        labels,
        'at least one valid Kubernetes label, so that only those pods are admitted',
      );
    });
  }
  c.throwIfAny();
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

/**
 * Synth fails while `peers` is empty (a policy admitting nobody would lock the server), saying how to admit `whom`
 * in the words of what the user configures: the server's own `method` and `networkPolicy`, or, for a server a
 * MonitoringStack built, the stack's props (`stackPath()`: '' on its own, 'monitoring.' in the chart).
 */
export function requirePeers(
  scope: IConstruct,
  peers: () => NetworkPeer[],
  problem: string,
  method: string,
  whom: string,
  stackPath: () => string | undefined,
): void {
  scope.node.addValidation({
    validate: () => {
      if (peers().length > 0) return [];
      const at = stackPath();
      return [
        at === undefined
          ? `${problem}: call ${method}(NetworkPeer.pods(namespace, labels)) for ${whom}, or set networkPolicy: false`
          : `${problem}: give ${at}${method}: [NetworkPeer.pods(namespace, labels)] for ${whom}, or set ${at}networkPolicies: false`,
      ];
    },
  });
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
      ingress: [
        {
          ...(peers ? { from: compactPeers(peers) } : {}),
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(o.port) }],
        },
      ],
    };
  };
  return new ApiObject(scope, id, {
    ...k8s.KubeNetworkPolicy.GVK,
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    spec: Lazy.any({ produce: () => k8s.KubeNetworkPolicy.manifest({ spec: spec() }).spec }),
  });
}

/**
 * Peers as NetworkPolicy `from` entries, each once. Peers of one namespace whose labels differ in one key only (the
 * instance of each Interlok of a fleet) become one entry with `In`, so a policy grows with namespaces, not pods.
 */
export function compactPeers(peers: NetworkPeer[]): k8s.NetworkPolicyPeer[] {
  const unique = [...new Map(peers.map((p) => [p._key(), p])).values()];
  const groups = new Map<string, NetworkPeer[]>();
  const blocks = unique.filter((p) => p.cidr !== undefined).map((p) => p._toKube());
  for (const p of unique.filter((u) => u.cidr === undefined)) {
    const k = `${p.namespace}|${Object.keys(p.podLabels).sort().join(',')}`;
    const group = groups.get(k);
    if (group) group.push(p);
    else groups.set(k, [p]);
  }
  const result: k8s.NetworkPolicyPeer[] = [];
  for (const group of groups.values()) {
    const varying =
      group.length > 1
        ? Object.keys(group[0].podLabels).filter((k) => new Set(group.map((p) => p.podLabels[k])).size > 1)
        : [];
    if (varying.length !== 1) {
      result.push(...group.map((p) => p._toKube()));
      continue;
    }
    const [key] = varying;
    const common = Object.fromEntries(Object.entries(group[0].podLabels).filter(([k]) => k !== key));
    result.push({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': group[0].namespace } },
      podSelector: {
        ...(Object.keys(common).length ? { matchLabels: common } : {}),
        matchExpressions: [{ key, operator: 'In', values: [...new Set(group.map((p) => p.podLabels[key]))].sort() }],
      },
    });
  }
  return [...result, ...blocks];
}
