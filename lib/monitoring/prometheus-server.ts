import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import * as k8s from '../../imports/k8s';
import { checkArray, checkDnsLabel, checkDuration, checkHostPort, checkImage, checkResources, checkServiceName, propError } from '../_checks';
import { checksum, emptyDirVolume, httpProbe, renderResources } from '../_pod';
import { imageVersion, recommendedLabels, selectorLabels } from '../labels';
import { clusterIpService, singleContainerDeployment } from './_workload';
import { checkPeer, ingressPolicy, NetworkPeer, requirePeers } from './network-peer';

export interface PrometheusServerProps {
  /** The pushgateways to scrape, as `host:port`. */
  readonly pushgatewayTargets: string[];
  /**
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * Name of the Deployment, ConfigMap and Service: the guide's DNS name is `prometheus-server.monitoring.svc:80`.
   * @default 'prometheus-server'
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

export const PROMETHEUS_PORT = 9090;
export const PROMETHEUS_SERVICE_PORT = 80;
export const PUSHGATEWAY_JOB = 'prometheus-pushgateway';

/** The Prometheus configuration: one pushgateway job that keeps the pushed labels (`honor_labels`). */
export function prometheusConfig(targets: string[], scrapeInterval: Duration): Record<string, unknown> {
  const interval = `${scrapeInterval.toSeconds()}s`;
  return {
    global: { scrape_interval: interval, evaluation_interval: interval },
    scrape_configs: [{
      job_name: PUSHGATEWAY_JOB,
      // without it the scrape's own job/instance replace the pushed ones (renamed exported_job, exported_instance)
      honor_labels: true,
      scrape_interval: interval,
      static_configs: [{ targets }],
    }],
  };
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
  private readonly clients: NetworkPeer[] = [];

  constructor(scope: Construct, id: string, props: PrometheusServerProps) {
    super(scope, id);
    if (props === null || typeof props !== 'object') throw propError(this, 'props', props, 'PrometheusServerProps with pushgatewayTargets');
    this.name = checkServiceName(this, 'name', props.name ?? 'prometheus-server');
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? 'monitoring');
    const image = checkImage(this, 'image', props.image ?? 'quay.io/prometheus/prometheus:v2.53.4');
    this.scrapeInterval = checkDuration(this, 'scrapeInterval', props.scrapeInterval ?? Duration.seconds(10), Duration.seconds(1), Duration.seconds(10));
    const retention = checkDuration(this, 'retention', props.retention ?? Duration.days(1), Duration.hours(1), Duration.days(365));
    const targets = checkArray(this, 'pushgatewayTargets', props.pushgatewayTargets, 'host:port');
    if (targets.length === 0) {
      throw propError(this, 'pushgatewayTargets', targets, 'at least one host:port');
    }
    targets.forEach((t, i) => checkHostPort(this, `pushgatewayTargets[${i}]`, t));

    const app = { name: 'prometheus', instance: this.name, component: 'metrics-server', version: imageVersion(image) };
    this.podSelector = selectorLabels(app);
    const labels = recommendedLabels(app);
    this.configYaml = stringify(prometheusConfig(targets, this.scrapeInterval), { lineWidth: 0 });

    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      data: { 'prometheus.yml': this.configYaml },
    });
    const resources = props.resources !== undefined ? checkResources(this, 'resources', props.resources) : {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
      memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
    };
    this.deployment = singleContainerDeployment(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      labels,
      selector: this.podSelector,
      uid: 65534,
      annotations: { 'checksum/config': checksum(this.configYaml) },
      volumes: [
        { name: 'config', configMap: { name: this.name } },
        emptyDirVolume('data', '2Gi'),
      ],
      container: {
        name: 'prometheus',
        image,
        imagePullPolicy: 'IfNotPresent',
        args: [
          '--config.file=/etc/prometheus/prometheus.yml',
          '--storage.tsdb.path=/prometheus',
          `--storage.tsdb.retention.time=${retention.toSeconds()}s`,
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
      name: this.name, namespace: this.namespace, labels, selector: this.podSelector,
      port: PROMETHEUS_SERVICE_PORT, targetPort: 'http', portName: 'http',
    });
    if (props.networkPolicy ?? true) {
      ingressPolicy(this, 'NetworkPolicy', {
        name: this.name, namespace: this.namespace, labels, podSelector: this.podSelector, port: PROMETHEUS_PORT,
        from: () => this.clients,
      });
      requirePeers(this, () => this.clients, `Prometheus ${this.namespace}/${this.name} admits no client: call allowQueryFrom(NetworkPeer.pods(namespace, labels)) for your prometheus-adapter, or set networkPolicy: false`);
    }
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
    return `http://${this.name}.${this.namespace}.svc:${PROMETHEUS_SERVICE_PORT}/`;
  }
}
