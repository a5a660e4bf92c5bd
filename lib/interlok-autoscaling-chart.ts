import { Chart, ChartProps } from 'cdk8s';
import { AppIndex } from './_app-index';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { AdapterRule, AdapterRuleProps } from './adapter-rule';
import { InterlokDeployment, InterlokDeploymentProps } from './interlok-deployment';
import { recommendedLabels } from './labels';
import { AutoscalerOptions, MessageMetricsHpa, ScaleMetric, ScaleTarget } from './message-metrics-hpa';
import { MonitoringStack, MonitoringStackProps } from './monitoring/monitoring-stack';
import { NetworkPeer } from './monitoring/network-peer';
import { ScrapedPods } from './monitoring/prometheus-server';
import { ReactionTimes, worstCaseReactionTimes } from './model/reaction-time';
import { KedaScaledObject } from './keda-scaled-object';
import { Scaler } from './scaler';
import { propError } from './_checks';

export interface InterlokAutoscalingChartProps extends ChartProps {
  /**
   * The Interlok Deployment. Its pushgateway is the monitoring stack's unless that runs none.
   * @default - the guide's: `interlok` in `default`, the guide's image
   */
  readonly interlok?: InterlokDeploymentProps;
  /**
   * @default - pushgateway, Prometheus and prometheus-adapter in `monitoring`
   */
  readonly monitoring?: MonitoringStackProps;
  /**
   * @default - `MessageMetrics`; the scrape interval of the stack's Prometheus; pods stale after 30 s
   */
  readonly rule?: AdapterRuleProps;
  /**
   * Settings of our HPA (with `Scaler.hpa()`).
   * @default - the guide's: average 100 per pod, 1..5 replicas
   */
  readonly autoscaler?: AutoscalerOptions;
  /**
   * What scales Interlok: our HPA on our adapter's metric, or a KEDA ScaledObject (no HPA, adapter rule or
   * prometheus-adapter of ours then).
   * @default Scaler.hpa()
   */
  readonly scaler?: Scaler;
}

/**
 * Kubernetes kinds in the order `kubectl apply -f` must create them (Helm's install order): namespaces and RBAC
 * before what runs as them, the APIService after the Service it points to.
 */
export const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodDisruptionBudget', 'ServiceAccount', 'Secret',
  'ConfigMap', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Role',
  'RoleBinding', 'Service', 'DaemonSet', 'Pod', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler',
  'StatefulSet', 'Job', 'CronJob', 'Ingress', 'APIService', 'ScaledObject',
];

/**
 * The guide's whole autoscaling stack in one chart: Interlok pushing `MessageMetrics` to a pushgateway,
 * Prometheus scraping it, prometheus-adapter serving it as a Pods metric, and an HPA scaling Interlok on it.
 */
export class InterlokAutoscalingChart extends Chart {
  public readonly monitoring: MonitoringStack;
  public readonly interlok: InterlokDeployment;
  public readonly rule: AdapterRule;
  /** Our HPA (with Scaler.hpa()). */
  public readonly autoscaler?: MessageMetricsHpa;
  /** The KEDA ScaledObject (with Scaler.keda()). */
  public readonly scaledObject?: KedaScaledObject;

  constructor(scope: Construct, id: string, props: InterlokAutoscalingChartProps = {}) {
    super(scope, id, props);
    const scaler = props.scaler ?? Scaler.hpa();
    if (!(scaler instanceof Scaler)) throw propError(this, 'scaler', scaler, 'a Scaler (Scaler.hpa() or Scaler.keda({...}))');
    const keda = scaler.kind === 'keda';
    if (keda && props.autoscaler !== undefined) {
      throw propError(this, 'autoscaler', props.autoscaler, 'no HPA settings with Scaler.keda(): give the ScaledObject\'s settings to Scaler.keda({...})');
    }
    // A Pods-metric HPA needs no external metrics API, and a cluster with KEDA has one already (KEDA's).
    const external = !keda && (props.autoscaler?.metric ?? ScaleMetric.externalTotal()).type === 'External';
    const scrape = props.interlok?.metricsSource?.kind === 'scrape';
    const monitoring = (scrapePods?: ScrapedPods[]) => new MonitoringStack(this, 'Monitoring', {
      // Interlok 4.1+/5.x is scraped: no pushgateway unless asked for
      ...(scrapePods ? { pushgateway: false, scrapePods } : {}),
      ...props.monitoring,
      // with KEDA nothing needs an adapter, unless asked for
      adapter: props.monitoring?.adapter ?? !keda,
      adapterOptions: { externalMetrics: external, ...props.monitoring?.adapterOptions },
    });
    if (scrape) {
      this.interlok = new InterlokDeployment(this, 'Interlok', props.interlok);
      this.monitoring = monitoring([{ namespace: this.interlok.namespace, podSelector: this.interlok.podSelector }]);
    } else {
      this.monitoring = monitoring();
      this.interlok = new InterlokDeployment(this, 'Interlok', {
        ...props.interlok,
        pushgateway: props.interlok?.pushgateway ?? this.monitoring.pushgatewayEndpoint,
      });
      this.monitoring.allowPushFrom(NetworkPeer.pods(this.interlok.namespace, this.interlok.podSelector));
    }
    if (this.interlok.namespace !== 'default' && this.interlok.namespace !== this.monitoring.namespace) {
      new k8s.KubeNamespace(this, 'InterlokNamespace', {
        metadata: { name: this.interlok.namespace, labels: recommendedLabels({ name: 'interlok', instance: this.interlok.namespace, component: 'namespace' }) },
      });
    }
    this.rule = new AdapterRule(this, 'Rule', {
      metricsSource: this.interlok.metricsSource,
      scrapeInterval: this.monitoring.scrapeInterval,
      external,
      ...props.rule,
    });
    this.monitoring.addRule(this.rule);
    if (keda) {
      const { operatorPeer, ...options } = scaler.kedaOptions ?? {};
      const serverAddress = options.serverAddress ?? this.monitoring.prometheusUrl;
      if (serverAddress === undefined) {
        throw propError(this, 'scaler.serverAddress', serverAddress, 'the URL of the Prometheus KEDA queries when the monitoring stack runs none (or set monitoring.existingPrometheusUrl)');
      }
      this.monitoring.prometheus?.allowQueryFrom(operatorPeer ?? NetworkPeer.pods('keda', { 'app.kubernetes.io/name': 'keda-operator' }));
      this.scaledObject = new KedaScaledObject(this, 'ScaledObject', {
        ...options,
        serverAddress,
        target: ScaleTarget.interlok(this.interlok),
        rule: this.rule,
      });
    } else {
      this.autoscaler = new MessageMetricsHpa(this, 'Autoscaler', {
        ...props.autoscaler,
        target: ScaleTarget.interlok(this.interlok),
        rule: this.rule,
      });
    }
    AppIndex.of(this);
  }

  /** Worst-case reaction times of this stack (undefined: no Prometheus of its own to read intervals from). */
  public reactionTimes(): ReactionTimes | undefined {
    const prometheus = this.monitoring.prometheus;
    if (!prometheus || this.rule.metricsSource.kind !== 'pushgateway') return undefined;
    const scaler = this.autoscaler ?? this.scaledObject!;
    return worstCaseReactionTimes({
      scrapeInterval: prometheus.scrapeInterval,
      staleAfter: this.rule.staleAfter,
      scaleUpStabilization: scaler.scaleUpStabilization,
      scaleDownStabilization: scaler.scaleDownStabilization,
      // KEDA's HPA reads one External value, as ours does by default
      metricType: this.autoscaler?.metric.type ?? 'External',
    });
  }

  public toJson(): any[] {
    const rank = (o: any) => {
      const i = KIND_ORDER.indexOf(o.kind);
      return i < 0 ? KIND_ORDER.length : i;
    };
    // Array.prototype.sort is stable, so objects of one kind keep cdk8s's dependency order.
    return super.toJson().sort((a, b) => rank(a) - rank(b));
  }
}
