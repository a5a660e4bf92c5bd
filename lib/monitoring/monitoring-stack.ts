import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { CLUSTER_NAMESPACES } from '../kit/app-index';
import {
  checkArray,
  checkDnsLabel,
  checkDuration,
  checkHostPort,
  checkServiceName,
  checkUrl,
  propError,
  PropChecks,
} from '../kit/checks';
import { DEFAULT_NAMES, MonitoringNames, type MonitoringNamesProps } from '../kit/monitoring-names';
import { AdapterRule } from './adapter-rule';
import { ExistingEndpoints } from '../existing/existing-endpoints';
import { ExistingNamespaces } from '../existing/existing-namespaces';
import { recommendedLabels } from '../kit/labels';
import { PushgatewayEndpoint } from './pushgateway-endpoint';
import {
  ApiServiceTls,
  PROMETHEUS_ADAPTER_OPTIONS,
  PrometheusAdapter,
  PrometheusAdapterOptions,
} from './prometheus-adapter';
import { checkPeer, NetworkPeer } from './network-peer';
import { PrometheusServer, prometheusServerUrl, SCRAPED_PODS, ScrapedPods } from './prometheus-server';
import { Pushgateway, PUSHGATEWAY_PORT } from './pushgateway';
import { DEFAULT_MONITOR_INTERVAL, DEFAULT_RELEASE } from './_monitor';
import { ServiceMonitor } from './service-monitor';
import { PodMonitor } from './pod-monitor';
import { checkProps, checkPropsIn, propsKeys } from '../kit/props';
import { DEFAULT_SCRAPE_SECONDS } from '../model/intervals';

/** A kube-prometheus-stack the cluster runs already: its Prometheus scrapes through monitors of ours. */
export interface KubePrometheusStackOptions {
  /**
   * The stack's Helm release: the `release` label its Prometheus selects ServiceMonitors and PodMonitors by.
   * @default 'kube-prometheus-stack'
   */
  readonly release?: string;
  /**
   * The namespace the stack runs in.
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * The stack's Prometheus, which the adapter (or KEDA) queries. The usual Service is
   * `http://<release>-kube-prometheus-prometheus.<namespace>.svc:9090/` (release `kube-prometheus-stack`:
   * `http://kube-prometheus-stack-prometheus.monitoring.svc:9090/`).
   * @default - `http://prometheus-operated.<namespace>.svc:9090/`, the operator's own Service, whatever the release
   */
  readonly prometheusUrl?: string;
  /**
   * The monitors' scrape interval; the adapter rule's `scrapeInterval` (and so its stale window) follows it.
   * @default Duration.seconds(30) (the stack's default)
   */
  readonly interval?: Duration;
  /**
   * The stack's Prometheus pods, admitted by the pushgateway's NetworkPolicy.
   * @default - NetworkPeer.pods(namespace, { 'app.kubernetes.io/name': 'prometheus' }) (the operator labels them so)
   */
  readonly prometheusPeer?: NetworkPeer;
}

export const KUBE_PROMETHEUS_STACK_OPTIONS = propsKeys<KubePrometheusStackOptions>('KubePrometheusStackOptions', {
  interval: 1,
  namespace: 1,
  prometheusPeer: 1,
  prometheusUrl: 1,
  release: 1,
});

export interface MonitoringStackProps {
  /**
   * Use the cluster's kube-prometheus-stack instead of a Prometheus of ours: a ServiceMonitor (`honorLabels: true`,
   * label `release`) for the pushgateway, and the adapter queries that stack's Prometheus.
   * @default - none: a Prometheus of ours (unless prometheus is false)
   */
  readonly kubePrometheusStack?: KubePrometheusStackOptions;
  /**
   * The names of the namespace and of the pushgateway, Prometheus and adapter. Ours by default, which no common
   * chart renders; `MonitoringNames.guide()` for the guide's (and 0.1.x's) `monitoring/prometheus-server`, ...
   * @default MonitoringNames.ours()
   */
  readonly names?: MonitoringNames;
  /**
   * Namespace of every part (overrides `names.namespace`).
   * @default - names.namespace: 'interlok-scaling'
   */
  readonly namespace?: string;
  /**
   * Create the namespace (so `kubectl delete -f dist/` deletes it, with whatever else it holds); turn off when it
   * exists already or other workloads share it. A stack that runs nothing there (kube-prometheus-stack's Prometheus
   * with KEDA or a scraped Interlok, and no pushgateway or adapter) creates none either way.
   * @default - names.createNamespace: true with MonitoringNames.ours(), false with MonitoringNames.guide()
   */
  readonly createNamespace?: boolean;
  /**
   * Run a pushgateway. Turn off to use `existingPushgateway`, or when Prometheus scrapes the pods (`scrapePods`).
   * @default true
   */
  readonly pushgateway?: boolean;
  /**
   * Pods whose `/prometheus/metrics` Prometheus scrapes (Interlok 4.1+/5.x): pod discovery in this stack's
   * Prometheus, or a PodMonitor per group with kubePrometheusStack.
   * @default - none
   */
  readonly scrapePods?: ScrapedPods[];
  /**
   * The pushgateway Prometheus scrapes when this stack runs none.
   * @default - required when pushgateway is false and prometheus is true
   */
  readonly existingPushgateway?: PushgatewayEndpoint;
  /**
   * Run a Prometheus server. Turn off to use `existingPrometheusUrl` (which must scrape the pushgateway with
   * `honor_labels: true`).
   * @default true
   */
  readonly prometheus?: boolean;
  /**
   * The Prometheus the adapter queries when this stack runs none.
   * @default - required when prometheus is false and adapter is true
   */
  readonly existingPrometheusUrl?: string;
  /**
   * Run prometheus-adapter. Turn off when the cluster has one: give it `AdapterRule.helmValuesYaml` instead.
   * @default true
   */
  readonly adapter?: boolean;
  /**
   * How often Prometheus scrapes: this stack's Prometheus, or with `prometheus: false` the existing one's, which
   * the adapter rules' stale window then covers.
   * @default Duration.seconds(10)
   */
  readonly scrapeInterval?: Duration;
  /**
   * @default Duration.minutes(1)
   */
  readonly relistInterval?: Duration;
  /**
   * @default ApiServiceTls.insecureSkipTlsVerify()
   */
  readonly apiServiceTls?: ApiServiceTls;
  /**
   * Replicas, priority, host network and the external metrics API of the adapter.
   * @default - 2 replicas spread across nodes, default priority, pod network, external metrics on
   */
  readonly adapterOptions?: PrometheusAdapterOptions;
  /**
   * NetworkPolicies: only allowed pushers and Prometheus reach the pushgateway, only the adapter reaches
   * Prometheus (from `adapterOptions.nodeCidrs` with hostNetwork), only the adapter's port is open.
   * @default true
   */
  readonly networkPolicies?: boolean;
  /**
   * Pods allowed to push to the pushgateway (more with `allowPushFrom`).
   * @default - none
   */
  readonly allowPushFrom?: NetworkPeer[];
  /**
   * Pods allowed to query this stack's Prometheus besides its adapter, such as the adapter a cluster already runs.
   * @default - the stack's adapter only
   */
  readonly allowQueryFrom?: NetworkPeer[];
  /**
   * Pods allowed to scrape this stack's pushgateway besides its Prometheus, such as the Prometheus a cluster
   * already runs (required then, when networkPolicies is on).
   * @default - the stack's Prometheus only
   */
  readonly allowScrapeFrom?: NetworkPeer[];
}

export const MONITORING_NAMES_PROPS = propsKeys<MonitoringNamesProps>('MonitoringNamesProps', {
  adapter: 1,
  createNamespace: 1,
  namespace: 1,
  prometheus: 1,
  pushgateway: 1,
});
export const MONITORING_STACK_PROPS = propsKeys<MonitoringStackProps>(
  'MonitoringStackProps',
  {
    adapter: 1,
    adapterOptions: 1,
    allowPushFrom: 1,
    allowQueryFrom: 1,
    allowScrapeFrom: 1,
    apiServiceTls: 1,
    createNamespace: 1,
    existingPrometheusUrl: 1,
    existingPushgateway: 1,
    kubePrometheusStack: 1,
    names: 1,
    namespace: 1,
    networkPolicies: 1,
    prometheus: 1,
    pushgateway: 1,
    relistInterval: 1,
    scrapeInterval: 1,
    scrapePods: 1,
  },
  {
    aliases: { networkPolicy: 'networkPolicies', tls: 'apiServiceTls', prometheusUrl: 'existingPrometheusUrl' },
    nested: { adapterOptions: PROMETHEUS_ADAPTER_OPTIONS, kubePrometheusStack: KUBE_PROMETHEUS_STACK_OPTIONS },
  },
);

/**
 * The monitoring side of the chain in one namespace: pushgateway → Prometheus → prometheus-adapter. Each part can
 * be left out for clusters that run their own.
 */
export class MonitoringStack extends Construct {
  /** The names it was given (`namespace` overrides their namespace). */
  public readonly names: MonitoringNames;
  public readonly namespace: string;
  public readonly namespaceObject?: k8s.KubeNamespace;
  public readonly pushgateway?: Pushgateway;
  public readonly prometheus?: PrometheusServer;
  public readonly adapter?: PrometheusAdapter;
  /** Where Interlok should push (none when only pods are scraped). */
  public readonly pushgatewayEndpoint?: PushgatewayEndpoint;
  /** The PodMonitors of the scraped pods, with kube-prometheus-stack. */
  public readonly podMonitors: PodMonitor[] = [];
  /** The Prometheus that holds the metrics: this stack's, kube-prometheus-stack's, or `existingPrometheusUrl`. */
  public readonly prometheusUrl?: string;
  /**
   * How often the metrics are scraped, when this stack knows (its Prometheus, its monitors, or `scrapeInterval` given
   * with an existing Prometheus).
   */
  public readonly scrapeInterval?: Duration;
  /** kube-prometheus-stack's settings, when the stack uses it. */
  public readonly kubePrometheusStack?: Required<Omit<KubePrometheusStackOptions, 'prometheusPeer'>> & {
    readonly prometheusPeer: NetworkPeer;
  };
  /** The ServiceMonitor of the pushgateway, with kube-prometheus-stack. */
  public readonly serviceMonitor?: ServiceMonitor;
  private readonly createNamespace: boolean;
  private namespaceUsed = false;
  /** @internal where its props are as its user writes them: '' on its own, 'monitoring.' in InterlokAutoscalingChart */
  public _propsPath = '';

  constructor(scope: Construct, id: string, props: MonitoringStackProps = {}) {
    super(scope, id);
    // every bad prop of the stack's own at once, before anything is built; then each part's (those the parts
    // check themselves), a part that needs one that failed left for the next round
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, MONITORING_STACK_PROPS) ?? c.fail();
    const names = c.check(() => {
      const given = props.names ?? DEFAULT_NAMES;
      if (!(given instanceof MonitoringNames))
        throw propError(
          this,
          'names',
          given,
          'MonitoringNames.ours(), MonitoringNames.guide() or MonitoringNames.of({...})',
        );
      checkProps(this, 'names', { ...given }, MONITORING_NAMES_PROPS);
      return given;
    });
    this.names = names!;
    // names.namespace is read only from valid names: a bad one is reported once
    const namespace =
      props.namespace !== undefined || names !== undefined
        ? c.check(() =>
            checkDnsLabel(
              this,
              props.namespace !== undefined ? 'namespace' : 'names.namespace',
              props.namespace ?? names!.namespace,
            ),
          )
        : undefined;
    const kps = props.kubePrometheusStack;
    const pushgatewayName =
      (props.pushgateway ?? true) && names !== undefined
        ? c.check(() => checkServiceName(this, 'names.pushgateway', names.pushgateway))
        : undefined;
    const prometheusName =
      kps === undefined && (props.prometheus ?? true) && names !== undefined
        ? c.check(() => checkServiceName(this, 'names.prometheus', names.prometheus))
        : undefined;
    const adapterName =
      (props.adapter ?? true) && names !== undefined
        ? c.check(() => checkServiceName(this, 'names.adapter', names.adapter))
        : undefined;
    const scrapeInterval = props.scrapeInterval ?? Duration.seconds(DEFAULT_SCRAPE_SECONDS);

    // a namespace every cluster has is never ours: `kubectl delete -f` would try to delete it, helm refuses it
    const clusterNamespace = namespace !== undefined && CLUSTER_NAMESPACES.includes(namespace);
    if (clusterNamespace && props.createNamespace === true) {
      c.check(() => {
        throw propError(
          this,
          'createNamespace',
          true,
          `false or unset with namespace "${namespace}": every cluster has it, so it is not created as an object of this app`,
        );
      });
    }
    const networkPolicy = props.networkPolicies ?? true;
    const scrapePods = c.check(() => checkArray(this, 'scrapePods', props.scrapePods, 'ScrapedPods')) ?? [];
    scrapePods.forEach((p, i) => checkPropsIn(c, this, `scrapePods[${i}]`, p ?? null, SCRAPED_PODS));
    const adapterOptions = checkPropsIn(c, this, 'adapterOptions', props.adapterOptions, PROMETHEUS_ADAPTER_OPTIONS);
    if ((props.pushgateway ?? true) && props.existingPushgateway !== undefined) {
      c.check(() => {
        throw propError(
          this,
          'existingPushgateway',
          props.existingPushgateway instanceof PushgatewayEndpoint
            ? props.existingPushgateway.hostPort
            : props.existingPushgateway,
          'none while the stack runs its own pushgateway (set pushgateway: false to use an existing one)',
        );
      });
    }
    const ownPrometheus =
      props.kubePrometheusStack !== undefined
        ? "kubePrometheusStack's"
        : (props.prometheus ?? true)
          ? 'its own'
          : undefined;
    if (ownPrometheus && props.existingPrometheusUrl !== undefined) {
      c.check(() => {
        throw propError(
          this,
          'existingPrometheusUrl',
          props.existingPrometheusUrl,
          `none while the stack queries ${ownPrometheus} Prometheus (set prometheus: false to use an existing one)`,
        );
      });
    }
    const existingPushgateway =
      !(props.pushgateway ?? true) && (props.existingPushgateway !== undefined || scrapePods.length === 0)
        ? c.check(() => {
            const existing = props.existingPushgateway;
            if (!(existing instanceof PushgatewayEndpoint)) {
              throw propError(this, 'existingPushgateway', existing, 'a PushgatewayEndpoint when pushgateway is false');
            }
            // checked here, so that a bad one is reported as the user wrote it, not as the Prometheus's target list
            checkHostPort(this, 'existingPushgateway', existing.hostPort);
            return existing;
          })
        : undefined;
    let kpsOptions: MonitoringStack['kubePrometheusStack'];
    if (kps !== undefined) {
      const given = checkPropsIn(c, this, 'kubePrometheusStack', kps, KUBE_PROMETHEUS_STACK_OPTIONS);
      if (props.prometheus === true)
        c.check(() => {
          throw propError(
            this,
            'prometheus',
            true,
            'false or unset with kubePrometheusStack: its Prometheus does the scraping',
          );
        });
      if (given !== undefined) {
        const kpsNamespace = c.check(() =>
          checkDnsLabel(this, 'kubePrometheusStack.namespace', given.namespace ?? 'monitoring'),
        );
        // the defaults of the URL and the peer follow the namespace: checked only with a valid one
        const url =
          given.prometheusUrl !== undefined || kpsNamespace !== undefined
            ? c.check(() =>
                checkUrl(
                  this,
                  'kubePrometheusStack.prometheusUrl',
                  given.prometheusUrl ?? `http://prometheus-operated.${kpsNamespace}.svc:9090/`,
                ),
              )
            : undefined;
        const peer =
          given.prometheusPeer !== undefined || kpsNamespace !== undefined
            ? c.check(() =>
                checkPeer(
                  this,
                  'kubePrometheusStack.prometheusPeer',
                  given.prometheusPeer ?? NetworkPeer.pods(kpsNamespace!, { 'app.kubernetes.io/name': 'prometheus' }),
                ),
              )
            : undefined;
        kpsOptions = {
          release: given.release ?? DEFAULT_RELEASE,
          namespace: kpsNamespace!,
          prometheusUrl: url!,
          interval: given.interval ?? DEFAULT_MONITOR_INTERVAL,
          prometheusPeer: peer!,
        };
      }
    }
    const allowQueryFrom =
      kps === undefined && (props.prometheus ?? true)
        ? (c.check(() => checkArray(this, 'allowQueryFrom', props.allowQueryFrom, 'NetworkPeer')) ?? [])
        : [];
    let existingScrapeInterval: Duration | undefined;
    let existingPrometheusUrl: string | undefined;
    if (kps === undefined && !(props.prometheus ?? true)) {
      // the existing Prometheus's interval, when given: the rules' stale window must cover it
      if (props.scrapeInterval !== undefined)
        existingScrapeInterval = c.check(() =>
          checkDuration(this, 'scrapeInterval', props.scrapeInterval!, Duration.seconds(1), Duration.minutes(10)),
        );
      if ((props.adapter ?? true) || props.existingPrometheusUrl !== undefined)
        existingPrometheusUrl = c.check(() =>
          checkUrl(this, 'existingPrometheusUrl', props.existingPrometheusUrl as string),
        );
    }
    c.throwIfAny();

    this.namespace = namespace!;
    // a stack of nothing but the cluster's own parts (kube-prometheus-stack's Prometheus, KEDA, a scraped Interlok)
    // puts nothing in its namespace: an empty namespace of ours would only be one more thing to delete
    const kpsPrometheus = props.kubePrometheusStack !== undefined;
    this.createNamespace = (props.createNamespace ?? names!.createNamespace) && !clusterNamespace;
    if ((props.pushgateway ?? true) || (!kpsPrometheus && (props.prometheus ?? true)) || (props.adapter ?? true))
      this._useNamespace();

    const existingEndpoints = { pushgateways: [] as string[], prometheusUrls: [] as string[] };
    // a part that fails is reported with the others: the parts after it are built with the address it would have
    if (props.pushgateway ?? true) {
      this.pushgateway = c.check(
        () =>
          new Pushgateway(this, 'Pushgateway', {
            namespace: this.namespace,
            name: pushgatewayName,
            networkPolicy,
            allowPushFrom: props.allowPushFrom,
            allowScrapeFrom: props.allowScrapeFrom,
          }),
      );
      if (this.pushgateway) {
        // its user configures this stack, not the pushgateway: hints name the stack's props
        this.pushgateway._stackPath = () => this._propsPath;
        this.pushgatewayEndpoint = this.pushgateway.endpoint;
      }
    } else if (existingPushgateway !== undefined) {
      this.pushgatewayEndpoint = existingPushgateway;
      existingEndpoints.pushgateways.push(existingPushgateway.hostPort);
    }

    let prometheusUrl: string | undefined;
    if (kpsOptions !== undefined) {
      this.kubePrometheusStack = kpsOptions;
      prometheusUrl = kpsOptions.prometheusUrl;
      existingEndpoints.prometheusUrls.push(prometheusUrl);
      this.scrapeInterval = kpsOptions.interval;
      if (this.pushgateway) {
        this.serviceMonitor = c.check(
          () =>
            new ServiceMonitor(this, 'ServiceMonitor', {
              name: this.pushgateway!.name,
              namespace: this.namespace,
              selector: this.pushgateway!.podSelector,
              port: 'http',
              interval: kpsOptions.interval,
              release: kpsOptions.release,
            }),
        );
        this.pushgateway.allowScrapeFrom(kpsOptions.prometheusPeer);
      }
      scrapePods.forEach((pods, i) => {
        const monitor = c.check(
          () =>
            new PodMonitor(this, `PodMonitor${i || ''}`, {
              namespace: pods.namespace,
              selector: pods.podSelector,
              port: pods.port,
              path: pods.path,
              interval: kpsOptions.interval,
              release: kpsOptions.release,
            }),
        );
        if (monitor) this.podMonitors.push(monitor);
      });
    } else if (props.prometheus ?? true) {
      this.prometheus = c.check(
        () =>
          new PrometheusServer(this, 'Prometheus', {
            namespace: this.namespace,
            name: prometheusName,
            pushgatewayTargets: this.pushgatewayEndpoint
              ? [this.pushgatewayEndpoint.hostPort]
              : (props.pushgateway ?? true)
                ? [PushgatewayEndpoint.service(pushgatewayName!, this.namespace, PUSHGATEWAY_PORT).hostPort]
                : [],
            scrapePods,
            scrapeInterval,
            networkPolicy,
          }),
      );
      prometheusUrl = prometheusServerUrl(prometheusName!, this.namespace);
      if (this.prometheus) {
        const prometheus = this.prometheus;
        prometheus._stackPath = () => this._propsPath;
        this.pushgateway?.allowScrapeFrom(prometheus.peer);
        this.scrapeInterval = prometheus.scrapeInterval;
        allowQueryFrom.forEach((p) => c.check(() => prometheus.allowQueryFrom(p)));
        prometheusUrl = prometheus.url;
      }
    } else if (!(props.prometheus ?? true)) {
      if (existingScrapeInterval !== undefined) this.scrapeInterval = existingScrapeInterval;
      if (existingPrometheusUrl !== undefined) {
        prometheusUrl = existingPrometheusUrl;
        existingEndpoints.prometheusUrls.push(prometheusUrl);
      }
    }
    this.prometheusUrl = prometheusUrl;
    // what this stack was told exists: its Prometheus may scrape it and its adapter query it
    if (existingEndpoints.pushgateways.length || existingEndpoints.prometheusUrls.length) {
      new ExistingEndpoints(this, 'ExistingEndpoints', existingEndpoints);
    }

    if (props.adapter ?? true) {
      this.adapter = c.check(
        () =>
          new PrometheusAdapter(this, 'Adapter', {
            namespace: this.namespace,
            name: adapterName,
            prometheusUrl: prometheusUrl!,
            scrapeInterval: this.scrapeInterval ?? scrapeInterval,
            relistInterval: props.relistInterval,
            tls: props.apiServiceTls,
            networkPolicy,
            ...adapterOptions,
          }),
      );
      const adapter = this.adapter;
      if (adapter && this.prometheus && networkPolicy && adapter.hostNetwork && adapter.queryPeers.length === 0) {
        // its queries come from its node's address: a pod selector would not admit them on Calico or Cilium
        c.check(() => {
          throw propError(
            this,
            'adapterOptions.nodeCidrs',
            adapterOptions?.nodeCidrs,
            'the address ranges of the nodes (CIDR, e.g. ["10.0.0.0/16"]) with adapterOptions.hostNetwork, so that the Prometheus NetworkPolicy admits the adapter\'s queries from its node\'s address (or networkPolicies: false)',
          );
        });
      }
      adapter?.queryPeers.forEach((p) => this.prometheus?.allowQueryFrom(p));
    }
    c.throwIfAny();
  }

  /**
   * @internal Something is put in the stack's namespace: its Namespace object (or its mark as existing) is made on
   * the first call. A stack of nothing but the cluster's own parts (kube-prometheus-stack's Prometheus, KEDA, a
   * scraped Interlok) puts nothing there, and an empty namespace of ours would be one more object to delete.
   */
  public _useNamespace(): void {
    if (this.namespaceUsed) return;
    this.namespaceUsed = true;
    if (this.createNamespace) {
      (this as { namespaceObject?: k8s.KubeNamespace }).namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: this.namespace,
          labels: recommendedLabels({ name: 'monitoring', instance: this.namespace, component: 'namespace' }),
        },
      });
    } else {
      new ExistingNamespaces(this, 'ExistingNamespace', { names: [this.namespace] });
    }
  }

  /** @internal whether anything of the stack (or put there with `_useNamespace`) lives in its namespace */
  public get _holdsObjects(): boolean {
    return this.namespaceUsed;
  }

  /** Lets these pods push to this stack's pushgateway. */
  public allowPushFrom(peer: NetworkPeer): void {
    this.pushgateway?.allowPushFrom(peer);
  }

  /** Serves a rule from this stack's adapter (no-op without one: render it for your adapter instead). */
  public addRule(rule: AdapterRule): void {
    this.adapter?.addRule(rule);
  }
}
