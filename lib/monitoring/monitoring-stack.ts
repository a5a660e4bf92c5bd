import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { checkArray, checkDnsLabel, checkUrl, propError } from '../_checks';
import { AdapterRule } from '../adapter-rule';
import { recommendedLabels } from '../labels';
import { PushgatewayEndpoint } from '../pushgateway-env';
import { ApiServiceTls, PrometheusAdapter, PrometheusAdapterOptions } from './prometheus-adapter';
import { NetworkPeer } from './network-peer';
import { PrometheusServer } from './prometheus-server';
import { Pushgateway } from './pushgateway';

export interface MonitoringStackProps {
  /**
   * Namespace of every part.
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * Create the namespace; turn off when it exists already.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Run a pushgateway. Turn off to use `existingPushgateway`.
   * @default true
   */
  readonly pushgateway?: boolean;
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
   * Prometheus, only port 6443 of the adapter is open.
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

/**
 * The monitoring side of the chain in one namespace: pushgateway → Prometheus → prometheus-adapter. Each part can
 * be left out for clusters that run their own.
 */
export class MonitoringStack extends Construct {
  public readonly namespace: string;
  public readonly namespaceObject?: k8s.KubeNamespace;
  public readonly pushgateway?: Pushgateway;
  public readonly prometheus?: PrometheusServer;
  public readonly adapter?: PrometheusAdapter;
  /** Where Interlok should push. */
  public readonly pushgatewayEndpoint: PushgatewayEndpoint;
  /** The Prometheus that holds the metrics: this stack's, or `existingPrometheusUrl`. */
  public readonly prometheusUrl?: string;

  constructor(scope: Construct, id: string, props: MonitoringStackProps = {}) {
    super(scope, id);
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? 'monitoring');
    const scrapeInterval = props.scrapeInterval ?? Duration.seconds(10);

    if (props.createNamespace ?? true) {
      this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: { name: this.namespace, labels: recommendedLabels({ name: 'monitoring', instance: this.namespace, component: 'namespace' }) },
      });
    }

    const networkPolicy = props.networkPolicies ?? true;
    if (props.pushgateway ?? true) {
      this.pushgateway = new Pushgateway(this, 'Pushgateway', {
        namespace: this.namespace, networkPolicy, allowPushFrom: props.allowPushFrom, allowScrapeFrom: props.allowScrapeFrom,
      });
      this.pushgatewayEndpoint = this.pushgateway.endpoint;
    } else {
      const existing = props.existingPushgateway;
      if (!(existing instanceof PushgatewayEndpoint)) {
        throw propError(this, 'existingPushgateway', existing, 'a PushgatewayEndpoint when pushgateway is false');
      }
      this.pushgatewayEndpoint = existing;
    }

    let prometheusUrl: string | undefined;
    if (props.prometheus ?? true) {
      this.prometheus = new PrometheusServer(this, 'Prometheus', {
        namespace: this.namespace,
        pushgatewayTargets: [this.pushgatewayEndpoint.hostPort],
        scrapeInterval,
        networkPolicy,
      });
      this.pushgateway?.allowScrapeFrom(this.prometheus.peer);
      checkArray(this, 'allowQueryFrom', props.allowQueryFrom, 'NetworkPeer').forEach((p) => this.prometheus!.allowQueryFrom(p));
      prometheusUrl = this.prometheus.url;
    } else if ((props.adapter ?? true) || props.existingPrometheusUrl !== undefined) {
      prometheusUrl = checkUrl(this, 'existingPrometheusUrl', props.existingPrometheusUrl as string);
    }
    this.prometheusUrl = prometheusUrl;

    if (props.adapter ?? true) {
      this.adapter = new PrometheusAdapter(this, 'Adapter', {
        namespace: this.namespace,
        prometheusUrl: prometheusUrl!,
        scrapeInterval,
        relistInterval: props.relistInterval,
        tls: props.apiServiceTls,
        networkPolicy,
        ...props.adapterOptions,
      });
      this.prometheus?.allowQueryFrom(this.adapter.peer);
    }
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
