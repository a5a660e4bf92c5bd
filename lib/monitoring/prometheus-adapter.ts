import { Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppIndex } from '../kit/app-index';
import * as k8s from '../../imports/k8s';
import {
  checkArray,
  checkDnsLabel,
  checkDnsSubdomain,
  checkDuration,
  checkImage,
  checkInteger,
  checkPort,
  checkResources,
  checkServiceName,
  checkUrl,
  propError,
  PropChecks,
} from '../kit/checks';
import { checksum, emptyDirVolume, httpProbe, podDisruptionBudget, renderResources } from '../kit/pod';
import { AdapterRule } from './adapter-rule';
import { ExistingEndpoints, hostPortOf, serviceKey } from '../existing/existing-endpoints';
import { PrometheusServer } from './prometheus-server';
import { imageVersion, recommendedLabels, selectorLabels } from '../kit/labels';
import { clusterIpService, singleContainerDeployment } from './_workload';
import { checkPeer, ingressPolicy, NetworkPeer } from './network-peer';
import { checkPropsIn, propsKeys } from '../kit/props';
import { DEFAULT_NAMES } from '../kit/monitoring-names';
import { DEFAULT_SCRAPE_SECONDS } from '../model/intervals';
import {
  ADAPTER_APP_NAME,
  ADAPTER_RESOURCE_READER_RULES,
  AUTH_DELEGATOR_CLUSTER_ROLE,
  AUTH_READER_ROLE,
} from './_adapter-access';

/** How the API server trusts the adapter's serving certificate. */
export class ApiServiceTls {
  /**
   * The adapter serves a self-signed certificate and the API server skips verification, as upstream's
   * manifests and chart do by default.
   */
  public static insecureSkipTlsVerify(): ApiServiceTls {
    return new ApiServiceTls('insecure');
  }

  /**
   * Your CA (PEM, base64-encoded as the APIService field takes it) signed the certificate in Secret
   * `servingCertSecret` (keys `tls.crt`, `tls.key`) in the adapter's namespace.
   */
  public static caBundle(caBundleBase64: string, servingCertSecret: string): ApiServiceTls {
    return new ApiServiceTls('caBundle', servingCertSecret, caBundleBase64);
  }

  /**
   * cert-manager injects the CA of Certificate `namespace/name` into the APIService and writes the serving
   * certificate into Secret `servingCertSecret`.
   */
  public static certManager(certificate: string, servingCertSecret: string): ApiServiceTls {
    return new ApiServiceTls('certManager', servingCertSecret, undefined, certificate);
  }

  private constructor(
    public readonly mode: 'insecure' | 'caBundle' | 'certManager',
    public readonly servingCertSecret?: string,
    public readonly caBundleBase64?: string,
    public readonly certificate?: string,
  ) {}
}

export interface PrometheusAdapterProps extends PrometheusAdapterOptions {
  /** The Prometheus the adapter queries, e.g. `http://interlok-scaling-prometheus.interlok-scaling.svc:80/`. */
  readonly prometheusUrl: string;
  /**
   * The rules it serves; more with `addRule`.
   * @default - none
   */
  readonly rules?: AdapterRule[];
  /**
   * @default 'interlok-scaling' (MonitoringNames.ours())
   */
  readonly namespace?: string;
  /**
   * Name of the ServiceAccount, Deployment, Service and ConfigMap (the guide's, `MonitoringNames.guide()`:
   * `prometheus-adapter`).
   * @default 'interlok-scaling-adapter' (MonitoringNames.ours())
   */
  readonly name?: string;
  /**
   * How often series are rediscovered (also the max age of discovered series). Not shorter than the Prometheus
   * scrape interval, or metrics appear and disappear.
   * @default Duration.minutes(1)
   */
  readonly relistInterval?: Duration;
  /**
   * The scrape interval of the Prometheus it reads, to check relistInterval against.
   * @default Duration.seconds(10)
   */
  readonly scrapeInterval?: Duration;
  /**
   * @default 'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0'
   */
  readonly image?: string;
  /**
   * @default ApiServiceTls.insecureSkipTlsVerify()
   */
  readonly tls?: ApiServiceTls;
  /**
   * @default - requests cpu 100m / memory 128Mi, limits cpu 500m / memory 512Mi
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * A NetworkPolicy admitting only the adapter's port (from anywhere: the API server calls from outside the pod
   * network).
   * @default true
   */
  readonly networkPolicy?: boolean;
}

/** How the adapter runs, apart from what it queries and serves. */
export interface PrometheusAdapterOptions {
  /**
   * While no adapter pod is ready, API discovery fails cluster-wide and every HPA on its metrics holds, so it runs
   * like upstream's manifests: several replicas spread across nodes, with a PodDisruptionBudget keeping one.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * A PriorityClass, so the adapter is not the first pod evicted from a full node (e.g. `system-cluster-critical`).
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Run on the node's network (port `securePort` of the node, 7443 by default), for control planes that cannot
   * reach pod IPs, such as EKS with an overlay CNI (Calico, Cilium in overlay mode). The replicas then need a node
   * each, and the adapter's queries come from its node's address: a Prometheus NetworkPolicy admits them only by
   * `nodeCidrs`.
   * @default false
   */
  readonly hostNetwork?: boolean;
  /**
   * The port the adapter serves HTTPS on. With hostNetwork it is a port of the node, where 6443 is kube-apiserver's
   * on every node that runs one (and 2379, 2380, 10250, 10256, 10257, 10259 are etcd's, the kubelet's, kube-proxy's,
   * the controller-manager's and the scheduler's): those are refused then.
   * @default 6443 (upstream's); 7443 with hostNetwork
   */
  readonly securePort?: number;
  /**
   * With hostNetwork: the address ranges of the nodes the adapter may run on (CIDR, e.g. the VPC's or the node
   * subnets'). Its queries come from its node's address, which no pod selector matches on Calico or Cilium, so the
   * stack's Prometheus NetworkPolicy admits these ranges (`NetworkPeer.ipBlock`) instead of the adapter's pods.
   * Required with hostNetwork while the stack's Prometheus has a NetworkPolicy; refused without hostNetwork.
   * @default - none
   */
  readonly nodeCidrs?: string[];
  /**
   * Serve the External metrics of its rules, registering `v1beta1.external.metrics.k8s.io`. Turn off where KEDA or
   * another adapter serves that API: a cluster has one of each APIService.
   * @default true
   */
  readonly externalMetrics?: boolean;
}

export const PROMETHEUS_ADAPTER_OPTIONS = propsKeys<PrometheusAdapterOptions>('PrometheusAdapterOptions', {
  externalMetrics: 1,
  hostNetwork: 1,
  nodeCidrs: 1,
  priorityClassName: 1,
  replicas: 1,
  securePort: 1,
});
export const PROMETHEUS_ADAPTER_PROPS = propsKeys<PrometheusAdapterProps, PrometheusAdapterOptions>(
  'PrometheusAdapterProps',
  {
    image: 1,
    name: 1,
    namespace: 1,
    networkPolicy: 1,
    prometheusUrl: 1,
    relistInterval: 1,
    resources: 1,
    rules: 1,
    scrapeInterval: 1,
    tls: 1,
  },
  { extends: [PROMETHEUS_ADAPTER_OPTIONS], aliases: { networkPolicies: 'networkPolicy', apiServiceTls: 'tls' } },
);

/** The APIService of the custom metrics API: one per cluster, whoever serves it. */
export const CUSTOM_METRICS_API_SERVICE = 'v1beta1.custom.metrics.k8s.io';
/** The APIService of the external metrics API: one per cluster, also registered by KEDA. */
export const EXTERNAL_METRICS_API_SERVICE = 'v1beta1.external.metrics.k8s.io';

export const ADAPTER_PORT = 6443;
/** The adapter's port on the node's network: not 6443, which kube-apiserver holds on the nodes that run it. */
export const ADAPTER_HOST_NETWORK_PORT = 7443;
/** Ports that Kubernetes' own components hold on a node: a hostNetwork adapter there cannot bind them. */
const NODE_PORTS_TAKEN: Record<number, string> = {
  2379: 'etcd',
  2380: 'etcd',
  6443: 'kube-apiserver',
  10250: 'the kubelet',
  10256: 'kube-proxy',
  10257: 'kube-controller-manager',
  10259: 'kube-scheduler',
};
const CERT_DIR = '/var/run/serving-cert';

/**
 * prometheus-adapter v0.12 standalone: RBAC, rules ConfigMap, Deployment, Service 443→6443, the APIService
 * `v1beta1.custom.metrics.k8s.io` and, when a rule serves an External metric, `v1beta1.external.metrics.k8s.io`.
 * Its cluster-scoped RBAC and its RoleBinding in `kube-system` are named `interlok-scaling:<namespace>:<name>:...`:
 * names no prometheus-community chart release uses, so applying or deleting this stack never touches an
 * adapter the cluster already runs, and two stacks never share one.
 */
export class PrometheusAdapter extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly prometheusUrl: string;
  public readonly relistInterval: Duration;
  public readonly podSelector: Record<string, string>;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly configMap: k8s.KubeConfigMap;
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  public readonly apiService: k8s.KubeApiService;
  /** The external metrics APIService, when externalMetrics is on. */
  public readonly externalApiService?: k8s.KubeApiService;
  public readonly externalMetrics: boolean;
  /** Prefix of the names of its cluster-scoped objects and of those in kube-system. */
  public readonly clusterObjectPrefix: string;
  public readonly replicas: number;
  /** The port it serves HTTPS on (the node's, with hostNetwork). */
  public readonly securePort: number;
  /** Whether it runs on the node's network. */
  public readonly hostNetwork: boolean;
  /**
   * Whom a Prometheus NetworkPolicy must admit for this adapter's queries: its pods, or with hostNetwork the
   * `nodeCidrs` (none given: none).
   */
  public readonly queryPeers: NetworkPeer[];
  private readonly rules: AdapterRule[] = [];

  constructor(scope: Construct, id: string, props: PrometheusAdapterProps) {
    super(scope, id);
    AppIndex.of(this);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, PROMETHEUS_ADAPTER_PROPS) ?? c.fail();
    this.name = c.check(() => checkServiceName(this, 'name', props.name ?? DEFAULT_NAMES.adapter))!;
    this.namespace = c.check(() => checkDnsLabel(this, 'namespace', props.namespace ?? DEFAULT_NAMES.namespace))!;
    this.prometheusUrl = c.check(() => checkUrl(this, 'prometheusUrl', props.prometheusUrl))!;
    const image = c.check(() =>
      checkImage(this, 'image', props.image ?? 'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0'),
    )!;
    const scrape = c.check(() =>
      checkDuration(
        this,
        'scrapeInterval',
        props.scrapeInterval ?? Duration.seconds(DEFAULT_SCRAPE_SECONDS),
        Duration.seconds(1),
        Duration.hours(1),
      ),
    );
    // at least the scrape interval: checked against a valid one only
    this.relistInterval = (
      scrape === undefined
        ? undefined
        : c.check(() =>
            checkDuration(
              this,
              'relistInterval',
              props.relistInterval ?? Duration.minutes(1),
              scrape,
              Duration.hours(1),
            ),
          )
    )!;
    const tls = props.tls ?? ApiServiceTls.insecureSkipTlsVerify();
    const tlsOk = c.check(() => {
      if (!(tls instanceof ApiServiceTls)) throw propError(this, 'tls', tls, 'an ApiServiceTls');
      return true;
    });
    if (tlsOk) {
      if (tls.servingCertSecret !== undefined)
        c.check(() => checkDnsSubdomain(this, 'tls.servingCertSecret', tls.servingCertSecret!));
      c.check(() => {
        if (tls.mode === 'caBundle' && !/^[A-Za-z0-9+/]+={0,2}$/.test(tls.caBundleBase64 ?? '')) {
          throw propError(this, 'tls.caBundle', tls.caBundleBase64, 'the CA certificate PEM, base64-encoded');
        }
        if (tls.mode === 'certManager' && !/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(tls.certificate ?? '')) {
          throw propError(this, 'tls.certificate', tls.certificate, 'a cert-manager Certificate as "namespace/name"');
        }
      });
    }
    const rules = c.check(() => checkArray(this, 'rules', props.rules, 'AdapterRule')) ?? [];
    rules.forEach((r) => c.check(() => this.addRule(r)));
    this.replicas = c.check(() => checkInteger(this, 'replicas', props.replicas ?? 2, 1, 10))!;
    const priorityClassName =
      props.priorityClassName === undefined
        ? undefined
        : c.check(() => checkDnsSubdomain(this, 'priorityClassName', props.priorityClassName!));
    const hostNetwork = c.check(() => {
      if (props.hostNetwork !== undefined && typeof props.hostNetwork !== 'boolean')
        throw propError(this, 'hostNetwork', props.hostNetwork, 'true or false');
      return props.hostNetwork ?? false;
    });
    this.hostNetwork = hostNetwork ?? false;
    // the default port and the ports a node's own servers take follow hostNetwork: a bad one is reported once
    this.securePort = (
      hostNetwork === undefined
        ? undefined
        : c.check(() => {
            const port = checkPort(
              this,
              'securePort',
              props.securePort ?? (hostNetwork ? ADAPTER_HOST_NETWORK_PORT : ADAPTER_PORT),
            );
            if (hostNetwork && NODE_PORTS_TAKEN[port]) {
              throw propError(
                this,
                'securePort',
                port,
                `a port other than ${NODE_PORTS_TAKEN[port]}'s with hostNetwork (the adapter binds it on the node), e.g. ${ADAPTER_HOST_NETWORK_PORT}`,
              );
            }
            return port;
          })
    )!;
    const nodeCidrs = c.check(() => checkArray(this, 'nodeCidrs', props.nodeCidrs, 'CIDR strings'));
    if (hostNetwork === false && props.nodeCidrs !== undefined) {
      c.check(() => {
        throw propError(
          this,
          'nodeCidrs',
          props.nodeCidrs,
          "none without hostNetwork: the adapter's pods are admitted by their labels",
        );
      });
    }
    // a hostNetwork pod's traffic comes from its node's address, which no pod selector matches
    const cidrPeers =
      hostNetwork && nodeCidrs
        ? nodeCidrs.map((cidr, i) => c.check(() => checkPeer(this, `nodeCidrs[${i}]`, NetworkPeer.ipBlock(cidr)))!)
        : undefined;
    this.clusterObjectPrefix = `interlok-scaling:${this.namespace}:${this.name}`;
    this.externalMetrics = c.check(() => {
      if (props.externalMetrics !== undefined && typeof props.externalMetrics !== 'boolean')
        throw propError(this, 'externalMetrics', props.externalMetrics, 'true or false');
      return props.externalMetrics ?? true;
    })!;
    const resources =
      props.resources !== undefined
        ? c.check(() => checkResources(this, 'resources', props.resources!))!
        : {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
            memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
          };
    c.throwIfAny();

    const app = {
      name: ADAPTER_APP_NAME,
      instance: this.name,
      component: 'custom-metrics-apiserver',
      version: imageVersion(image),
    };
    this.podSelector = selectorLabels(app);
    this.queryPeers = cidrPeers ?? [NetworkPeer.pods(this.namespace, this.podSelector)];
    const labels = recommendedLabels(app);
    const meta = (name: string, namespace?: string) => ({ name, labels, ...(namespace ? { namespace } : {}) });
    const subject = { kind: 'ServiceAccount', name: this.name, namespace: this.namespace };

    // The pod opts in to a token below; other pods using this account do not get one.
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: meta(this.name, this.namespace),
      automountServiceAccountToken: false,
    });
    // To map the HPA's label selector to pod names and check that namespaces exist; read-only.
    const readerName = `${this.clusterObjectPrefix}:resource-reader`;
    const reader = new k8s.KubeClusterRole(this, 'ResourceReader', {
      metadata: meta(readerName),
      rules: ADAPTER_RESOURCE_READER_RULES,
    });
    new k8s.KubeClusterRoleBinding(this, 'ResourceReaderBinding', {
      metadata: meta(readerName),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: readerName },
      subjects: [subject],
    }).addDependency(reader);
    // An aggregated API server delegates authentication and authorization of its callers to the API server.
    new k8s.KubeClusterRoleBinding(this, 'AuthDelegator', {
      metadata: meta(`${this.clusterObjectPrefix}:auth-delegator`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: AUTH_DELEGATOR_CLUSTER_ROLE },
      subjects: [subject],
    });
    new k8s.KubeRoleBinding(this, 'AuthReader', {
      metadata: meta(`${this.clusterObjectPrefix}:auth-reader`, AUTH_READER_ROLE.namespace),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: AUTH_READER_ROLE.name },
      subjects: [subject],
    });

    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: meta(this.name, this.namespace),
      data: { 'config.yaml': lazyString(() => this.configYaml) },
    });

    const args = [
      `--secure-port=${this.securePort}`,
      `--cert-dir=${CERT_DIR}`,
      '--config=/etc/adapter/config.yaml',
      `--prometheus-url=${this.prometheusUrl}`,
      `--metrics-relist-interval=${this.relistInterval.toSeconds()}s`,
    ];
    const volumes: k8s.Volume[] = [{ name: 'config', configMap: { name: this.name } }, emptyDirVolume('tmp', '64Mi')];
    if (tls.servingCertSecret) {
      args.push(`--tls-cert-file=${CERT_DIR}/tls.crt`, `--tls-private-key-file=${CERT_DIR}/tls.key`);
      volumes.push({ name: 'serving-cert', secret: { secretName: tls.servingCertSecret } });
    } else {
      volumes.push(emptyDirVolume('serving-cert', '16Mi'));
    }
    this.deployment = singleContainerDeployment(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      labels,
      selector: this.podSelector,
      uid: 65534,
      serviceAccountName: this.name,
      // the HPA loses its metrics while no adapter is ready
      rollingUpdate: true,
      replicas: this.replicas,
      priorityClassName,
      hostNetwork: props.hostNetwork,
      // The adapter reads its rules only at start (the guide deleted the pod by hand): a changed rule rolls it.
      annotations: { 'checksum/config': lazyString(() => checksum(this.configYaml)) },
      volumes,
      container: {
        name: 'prometheus-adapter',
        image,
        imagePullPolicy: 'IfNotPresent',
        args,
        ports: [{ name: 'https', containerPort: this.securePort, protocol: 'TCP' }],
        readinessProbe: { ...httpProbe('/readyz', 'https', 5, 5, 'HTTPS'), initialDelaySeconds: 30 },
        livenessProbe: { ...httpProbe('/livez', 'https', 10, 5, 'HTTPS'), initialDelaySeconds: 30 },
        resources: renderResources(resources),
        volumeMounts: [
          { name: 'config', mountPath: '/etc/adapter', readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
          // readOnly only when true: the API server drops a false one, and kubectl then sends it again on every apply
          {
            name: 'serving-cert',
            mountPath: CERT_DIR,
            ...(tls.servingCertSecret !== undefined ? { readOnly: true } : {}),
          },
        ],
      },
    });
    this.deployment.addDependency(this.configMap, this.serviceAccount);
    this.service = clusterIpService(this, 'Service', {
      name: this.name,
      namespace: this.namespace,
      labels,
      selector: this.podSelector,
      port: 443,
      targetPort: 'https',
      portName: 'https',
    });

    if (this.replicas > 1) {
      podDisruptionBudget(this, 'DisruptionBudget', {
        name: this.name,
        namespace: this.namespace,
        labels,
        selector: this.podSelector,
        minAvailable: 1,
      });
    }

    const apiService = (id: string, group: string) => {
      const api = new k8s.KubeApiService(this, id, {
        metadata: {
          name: `v1beta1.${group}`,
          labels,
          ...(tls.mode === 'certManager'
            ? { annotations: { 'cert-manager.io/inject-ca-from': tls.certificate! } }
            : {}),
        },
        spec: {
          group,
          version: 'v1beta1',
          service: { name: this.name, namespace: this.namespace, port: 443 },
          groupPriorityMinimum: 100,
          versionPriority: 100,
          ...(tls.mode === 'insecure' ? { insecureSkipTlsVerify: true } : {}),
          ...(tls.mode === 'caBundle' ? { caBundle: tls.caBundleBase64 } : {}),
        },
      });
      api.addDependency(this.service);
      return api;
    };
    this.apiService = apiService('ApiService', 'custom.metrics.k8s.io');
    if (this.externalMetrics) this.externalApiService = apiService('ExternalApiService', 'external.metrics.k8s.io');
    if (props.networkPolicy ?? true) {
      ingressPolicy(this, 'NetworkPolicy', {
        name: this.name,
        namespace: this.namespace,
        labels,
        podSelector: this.podSelector,
        port: this.securePort,
        from: () => undefined,
      });
    }

    const index = AppIndex.of(this);
    this.node.addValidation({
      validate: () => {
        const errors =
          this.rules.length === 0
            ? [`prometheus-adapter ${this.namespace}/${this.name} has no rules: it would serve no metric`]
            : [];
        const servedBy = new Map<string, string[]>();
        for (const [name, rule] of [
          ...this.rules.map((r) => [r.metricName, r] as const),
          ...this.rules.filter((r) => r.external).map((r) => [r.externalMetricName, r] as const),
        ]) {
          servedBy.set(name, [...(servedBy.get(name) ?? []), rule.node.path]);
        }
        const twice = [...servedBy].filter(([, rules]) => rules.length > 1);
        if (twice.length) {
          // the adapter answers each metric name from one rule only: the HPAs of the other rules would read its query
          errors.push(
            `prometheus-adapter ${this.namespace}/${this.name} serves ${twice.map(([name]) => name).join(', ')} from more than one rule ` +
              `(${twice.map(([name, rules]) => `${name}: ${rules.join(', ')}`).join('; ')}): give the HPAs on one metric one AdapterRule ` +
              "(each HPA still reads only its own Deployment's pods), or give each other rule a metricName and externalMetricName of its own",
          );
        }
        const external = this.rules.filter((r) => r.external);
        if (!this.externalMetrics && external.length) {
          errors.push(
            `prometheus-adapter ${this.namespace}/${this.name} has externalMetrics: false but serves the External metric of ${external.map((r) => r.node.path).join(', ')}: set external: false on the rule (and ScaleMetric.podsAverage() on its HPA)`,
          );
        }
        if (this.externalMetrics && this.rules.length && !external.length) {
          errors.push(
            `prometheus-adapter ${this.namespace}/${this.name} registers ${EXTERNAL_METRICS_API_SERVICE} but serves no External metric: set externalMetrics: false`,
          );
        }
        const known = index.memo(
          'prometheus servers and declared urls',
          () =>
            new Set(
              [
                ...index.ofType(PrometheusServer).map((p) => p.url),
                ...index.ofType(ExistingEndpoints).flatMap((e) => e.prometheusUrls),
              ].flatMap((u) => [hostPortOf(u), serviceKey(hostPortOf(u))]),
            ),
        );
        const target = hostPortOf(this.prometheusUrl);
        if (!known.has(target) && !known.has(serviceKey(target, this.namespace))) {
          errors.push(
            `prometheus-adapter ${this.namespace}/${this.name} queries ${this.prometheusUrl}, which this app neither synthesizes nor declares: declare it with new ExistingEndpoints(scope, id, { prometheusUrls: ['${this.prometheusUrl}'] }), or point it at a PrometheusServer of the app`,
          );
        }
        return errors;
      },
    });
  }

  /** Serves one more metric. */
  public addRule(rule: AdapterRule): void {
    if (!(rule instanceof AdapterRule)) throw propError(this, 'rules', rule, 'AdapterRule constructs');
    this.rules.push(rule);
  }

  /** Whether this adapter serves the rule. */
  public serves(rule: AdapterRule): boolean {
    return this.rules.includes(rule);
  }

  /** The adapter's `config.yaml` as rendered now. */
  public get configYaml(): string {
    return AdapterRule.configYaml(this.rules);
  }

  /** These pods, as a peer for other NetworkPolicies. */
  public get peer(): NetworkPeer {
    return NetworkPeer.pods(this.namespace, this.podSelector);
  }

  /** The in-cluster name of the Service the API server calls. */
  public get serviceHost(): string {
    return `${this.name}.${this.namespace}.svc`;
  }
}

/** Rules may be added after construction, so the rendered config waits for synth. */
function lazyString(produce: () => string): string {
  return Lazy.any({ produce }) as unknown as string;
}
