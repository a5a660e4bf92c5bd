import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import * as k8s from '../../imports/k8s';
import {
  checkArray,
  checkDnsLabel,
  checkDuration,
  checkHostPort,
  checkImage,
  checkResources,
  checkServiceName,
  propError,
  PropChecks,
} from '../kit/checks';
import { checksum, emptyDirVolume, httpProbe, renderResources } from '../kit/pod';
import { imageVersion, recommendedLabels, selectorLabels } from '../kit/labels';
import { clusterIpService, singleContainerDeployment } from './_workload';
import { checkPeer, ingressPolicy, NetworkPeer, requirePeers } from './network-peer';
import { checkPropsIn, propsKeys } from '../kit/props';
import { DEFAULT_NAMES } from '../kit/monitoring-names';
import { DEFAULT_SCRAPE_SECONDS, INTERLOK_PUSH_SECONDS } from '../model/intervals';
import { AppIndex } from '../kit/app-index';
import { ExistingEndpoints, serviceKey } from '../existing/existing-endpoints';
import { isPushgatewayService } from './pushgateway-endpoint';

/** Pods Prometheus discovers and scrapes itself (Interlok 4.1+/5.x scrape mode). */
export interface ScrapedPods {
  /** Their namespace. */
  readonly namespace: string;
  /** Their labels (all must match). */
  readonly podSelector: Record<string, string>;
  /**
   * The name of the container port serving the metrics.
   * @default 'http'
   */
  readonly port?: string;
  /**
   * @default '/prometheus/metrics'
   */
  readonly path?: string;
}

export const SCRAPED_PODS = propsKeys<ScrapedPods>('ScrapedPods', { namespace: 1, path: 1, podSelector: 1, port: 1 });

export interface PrometheusServerProps {
  /**
   * The pushgateways to scrape, as `host:port`.
   * @default - none (then scrapePods must name some)
   */
  readonly pushgatewayTargets?: string[];
  /**
   * Pods to discover through the Kubernetes API and scrape, labelled `namespace` and `pod`. Prometheus then gets a
   * ServiceAccount with a Role in each of their namespaces to list pods (and mounts its token).
   * @default - none
   */
  readonly scrapePods?: ScrapedPods[];
  /**
   * @default 'interlok-scaling' (MonitoringNames.ours())
   */
  readonly namespace?: string;
  /**
   * Name of the Deployment, ConfigMap and Service (the guide's, `MonitoringNames.guide()`: `prometheus-server`).
   * @default 'interlok-scaling-prometheus' (MonitoringNames.ours())
   */
  readonly name?: string;
  /**
   * How often the pushgateway is scraped. At most Interlok's 10 s push interval, so no push is missed.
   * @default Duration.seconds(10)
   */
  readonly scrapeInterval?: Duration;
  /**
   * How long samples are kept; the chain only ever reads the newest.
   * @default Duration.days(1)
   */
  readonly retention?: Duration;
  /**
   * @default 'quay.io/prometheus/prometheus:v2.53.4'
   */
  readonly image?: string;
  /**
   * @default - requests cpu 100m / memory 256Mi, limits cpu 1 / memory 1Gi
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Admit only the pods allowed by `allowQueryFrom` (the adapter) with a NetworkPolicy.
   * @default true
   */
  readonly networkPolicy?: boolean;
}

export const PROMETHEUS_SERVER_PROPS = propsKeys<PrometheusServerProps>(
  'PrometheusServerProps',
  {
    image: 1,
    name: 1,
    namespace: 1,
    networkPolicy: 1,
    pushgatewayTargets: 1,
    resources: 1,
    retention: 1,
    scrapeInterval: 1,
    scrapePods: 1,
  },
  { aliases: { networkPolicies: 'networkPolicy' } },
);

export const PROMETHEUS_PORT = 9090;
export const PROMETHEUS_SERVICE_PORT = 80;
export const PUSHGATEWAY_JOB = 'prometheus-pushgateway';
export const PODS_JOB = 'interlok-pods';

/** Kubernetes label name → the `__meta_kubernetes_pod_label_*` Prometheus makes of it. */
function metaLabel(label: string): string {
  return `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/** One pod-discovery job per group of scraped pods: keep only those pods and port, label `namespace` and `pod`. */
function podJob(pods: ScrapedPods, index: number, interval: string): Record<string, unknown> {
  return {
    job_name: index === 0 ? PODS_JOB : `${PODS_JOB}-${index}`,
    // the target's namespace and pod win over anything the page says: no pod can report for another
    honor_labels: false,
    scrape_interval: interval,
    metrics_path: pods.path ?? '/prometheus/metrics',
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [pods.namespace] } }],
    relabel_configs: [
      ...Object.entries(pods.podSelector).map(([k, v]) => ({
        source_labels: [metaLabel(k)],
        regex: escapeRegex(v),
        action: 'keep',
      })),
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: pods.port ?? 'http', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Pending|Succeeded|Failed|Unknown', action: 'drop' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace', action: 'replace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod', action: 'replace' },
    ],
  };
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The Prometheus configuration: one pushgateway job that keeps the pushed labels (`honor_labels`), and a
 * pod-discovery job per group of scraped pods.
 */
export function prometheusConfig(
  targets: string[],
  scrapeInterval: Duration,
  scrapePods: ScrapedPods[] = [],
): Record<string, unknown> {
  const interval = `${scrapeInterval.toSeconds()}s`;
  return {
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [
      ...(targets.length
        ? [
            {
              job_name: PUSHGATEWAY_JOB,
              // without it the scrape's own job/instance replace the pushed ones (renamed exported_job,
              // exported_instance)
              honor_labels: true,
              scrape_interval: interval,
              static_configs: [{ targets }],
            },
          ]
        : []),
      ...scrapePods.map((p, i) => podJob(p, i, interval)),
    ],
  };
}

/** The URL of the Service of a PrometheusServer of this name and namespace. */
export function prometheusServerUrl(name: string, namespace: string): string {
  return `http://${name}.${namespace}.svc:${PROMETHEUS_SERVICE_PORT}/`;
}

/** A single Prometheus server that scrapes the pushgateway, behind Service `prometheus-server:80`. */
export class PrometheusServer extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly scrapeInterval: Duration;
  public readonly podSelector: Record<string, string>;
  public readonly configYaml: string;
  public readonly configMap: k8s.KubeConfigMap;
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  /** With scrapePods: its ServiceAccount, which a Role per namespace lets list pods. */
  public readonly serviceAccount?: k8s.KubeServiceAccount;
  private readonly clients: NetworkPeer[] = [];
  /** @internal set by the MonitoringStack that built it: its props' path, which admission hints name */
  public _stackPath?: () => string;

  constructor(scope: Construct, id: string, props: PrometheusServerProps) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, PROMETHEUS_SERVER_PROPS) ?? c.fail();
    this.name = c.check(() => checkServiceName(this, 'name', props.name ?? DEFAULT_NAMES.prometheus))!;
    this.namespace = c.check(() => checkDnsLabel(this, 'namespace', props.namespace ?? DEFAULT_NAMES.namespace))!;
    const image = c.check(() => checkImage(this, 'image', props.image ?? 'quay.io/prometheus/prometheus:v2.53.4'))!;
    this.scrapeInterval = c.check(() =>
      checkDuration(
        this,
        'scrapeInterval',
        props.scrapeInterval ?? Duration.seconds(DEFAULT_SCRAPE_SECONDS),
        Duration.seconds(1),
        Duration.seconds(INTERLOK_PUSH_SECONDS),
      ),
    )!;
    const retention = c.check(() =>
      checkDuration(this, 'retention', props.retention ?? Duration.days(1), Duration.hours(1), Duration.days(365)),
    );
    const targets = c.check(() => checkArray(this, 'pushgatewayTargets', props.pushgatewayTargets, 'host:port'));
    const scrapePods = c.check(() => checkArray(this, 'scrapePods', props.scrapePods, 'ScrapedPods'));
    if (targets !== undefined && scrapePods !== undefined && targets.length === 0 && scrapePods.length === 0) {
      c.check(() => {
        throw propError(this, 'pushgatewayTargets', targets, 'at least one host:port (or pods in scrapePods)');
      });
    }
    targets?.forEach((t, i) => c.check(() => checkHostPort(this, `pushgatewayTargets[${i}]`, t)));
    scrapePods?.forEach((p, i) => {
      const pods = checkPropsIn(c, this, `scrapePods[${i}]`, p ?? null, SCRAPED_PODS);
      if (pods === undefined) return;
      c.check(() => checkDnsLabel(this, `scrapePods[${i}].namespace`, pods.namespace));
      c.check(() => {
        const selector = pods.podSelector;
        if (selector === null || typeof selector !== 'object' || Object.keys(selector).length === 0)
          throw propError(this, `scrapePods[${i}].podSelector`, selector, 'at least one pod label');
      });
    });
    const resources =
      props.resources !== undefined
        ? c.check(() => checkResources(this, 'resources', props.resources!))!
        : {
            cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
            memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
          };
    c.throwIfAny();
    this.checkTargets(targets!);

    const app = { name: 'prometheus', instance: this.name, component: 'metrics-server', version: imageVersion(image) };
    this.podSelector = selectorLabels(app);
    const labels = recommendedLabels(app);
    this.configYaml = stringify(prometheusConfig(targets!, this.scrapeInterval, scrapePods), { lineWidth: 0 });
    if (scrapePods!.length > 0) this.serviceAccount = this.podReader(labels, scrapePods!);

    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      data: { 'prometheus.yml': this.configYaml },
    });
    this.deployment = singleContainerDeployment(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      labels,
      selector: this.podSelector,
      uid: 65534,
      ...(this.serviceAccount ? { serviceAccountName: this.name } : {}),
      annotations: { 'checksum/config': checksum(this.configYaml) },
      volumes: [{ name: 'config', configMap: { name: this.name } }, emptyDirVolume('data', '2Gi')],
      container: {
        name: 'prometheus',
        image,
        imagePullPolicy: 'IfNotPresent',
        args: [
          '--config.file=/etc/prometheus/prometheus.yml',
          '--storage.tsdb.path=/prometheus',
          `--storage.tsdb.retention.time=${retention!.toSeconds()}s`,
          `--web.listen-address=:${PROMETHEUS_PORT}`,
        ],
        ports: [{ name: 'http', containerPort: PROMETHEUS_PORT, protocol: 'TCP' }],
        readinessProbe: httpProbe('/-/ready', 'http', 10, 3),
        livenessProbe: httpProbe('/-/healthy', 'http', 20, 3),
        startupProbe: httpProbe('/-/ready', 'http', 5, 60),
        resources: renderResources(resources),
        volumeMounts: [
          { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
          { name: 'data', mountPath: '/prometheus' },
        ],
      },
    });
    this.deployment.addDependency(this.configMap);
    this.service = clusterIpService(this, 'Service', {
      name: this.name,
      namespace: this.namespace,
      labels,
      selector: this.podSelector,
      port: PROMETHEUS_SERVICE_PORT,
      targetPort: 'http',
      portName: 'http',
    });
    if (props.networkPolicy ?? true) {
      ingressPolicy(this, 'NetworkPolicy', {
        name: this.name,
        namespace: this.namespace,
        labels,
        podSelector: this.podSelector,
        port: PROMETHEUS_PORT,
        from: () => this.clients,
      });
      requirePeers(
        this,
        () => this.clients,
        `Prometheus ${this.namespace}/${this.name} admits no client`,
        'allowQueryFrom',
        'your prometheus-adapter',
        () => this._stackPath?.(),
      );
    }
  }

  /** A ServiceAccount allowed to list and watch pods in the scraped namespaces only (Roles, no ClusterRole). */
  private podReader(labels: Record<string, string>, pods: ScrapedPods[]): k8s.KubeServiceAccount {
    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      automountServiceAccountToken: false,
    });
    for (const ns of [...new Set(pods.map((p) => p.namespace))]) {
      const name = `interlok-scaling:${this.namespace}:${this.name}:pod-reader`;
      new k8s.KubeRole(this, `PodReader-${ns}`, {
        metadata: { name, namespace: ns, labels },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      });
      new k8s.KubeRoleBinding(this, `PodReaderBinding-${ns}`, {
        metadata: { name, namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
      });
    }
    return sa;
  }

  private checkTargets(targets: string[]): void {
    const index = AppIndex.of(this);
    this.node.addValidation({
      validate: () => {
        const known = index.memo(
          'pushgateway services and declared ones',
          () =>
            new Set(
              [
                ...index
                  .where('pushgateway services', isPushgatewayService)
                  .flatMap((s) => [`${s.name}.${s.namespace}.svc:${s.port}`]),
                ...index.ofType(ExistingEndpoints).flatMap((e) => e.pushgateways),
              ].flatMap((h) => [h, serviceKey(h)]),
            ),
        );
        return targets
          .filter((t) => !known.has(t) && !known.has(serviceKey(t, this.namespace)))
          .map(
            (t) =>
              `Prometheus ${this.namespace}/${this.name} scrapes pushgateway ${t}, which this app neither synthesizes nor declares: declare it with new ExistingEndpoints(scope, id, { pushgateways: ['${t}'] }), or scrape a Pushgateway of the app`,
          );
      },
    });
  }

  /** Lets these pods query (prometheus-adapter). */
  public allowQueryFrom(peer: NetworkPeer): void {
    this.clients.push(checkPeer(this, 'allowQueryFrom', peer));
  }

  /** These pods, as a peer for other NetworkPolicies. */
  public get peer(): NetworkPeer {
    return NetworkPeer.pods(this.namespace, this.podSelector);
  }

  /** The in-cluster URL the adapter queries. */
  public get url(): string {
    return prometheusServerUrl(this.name, this.namespace);
  }
}
