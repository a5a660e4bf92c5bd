import { Chart, ChartProps } from 'cdk8s';
import { AppIndex } from './_app-index';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { AdapterRule, AdapterRuleProps } from './adapter-rule';
import { InterlokDeployment, InterlokDeploymentProps } from './interlok-deployment';
import { recommendedLabels } from './labels';
import { AutoscalerOptions, MessageMetricsHpa, ScaleMetric, ScaleTarget } from './message-metrics-hpa';
import { GrafanaDashboard } from './monitoring/grafana-dashboard';
import { MonitoringStack, MonitoringStackProps } from './monitoring/monitoring-stack';
import { NetworkPeer } from './monitoring/network-peer';
import { ReactionTimes, worstCaseReactionTimes } from './model/reaction-time';

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
   * @default - the guide's: average 100 per pod, 1..5 replicas
   */
  readonly autoscaler?: AutoscalerOptions;
  /**
   * A Grafana dashboard ConfigMap (label `grafana_dashboard: "1"`) in the monitoring namespace.
   * @default true
   */
  readonly dashboard?: boolean;
}

/**
 * Kubernetes kinds in the order `kubectl apply -f` must create them (Helm's install order): namespaces and RBAC
 * before what runs as them, the APIService after the Service it points to.
 */
export const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodDisruptionBudget', 'ServiceAccount', 'Secret',
  'ConfigMap', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Role',
  'RoleBinding', 'Service', 'DaemonSet', 'Pod', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler',
  'StatefulSet', 'Job', 'CronJob', 'Ingress', 'APIService',
];

/**
 * The guide's whole autoscaling stack in one chart: Interlok pushing `MessageMetrics` to a pushgateway,
 * Prometheus scraping it, prometheus-adapter serving it as a Pods metric, and an HPA scaling Interlok on it.
 */
export class InterlokAutoscalingChart extends Chart {
  public readonly monitoring: MonitoringStack;
  public readonly interlok: InterlokDeployment;
  public readonly rule: AdapterRule;
  public readonly autoscaler: MessageMetricsHpa;

  constructor(scope: Construct, id: string, props: InterlokAutoscalingChartProps = {}) {
    super(scope, id, props);
    // A Pods-metric HPA needs no external metrics API, and a cluster with KEDA has one already.
    const external = (props.autoscaler?.metric ?? ScaleMetric.externalTotal()).type === 'External';
    this.monitoring = new MonitoringStack(this, 'Monitoring', {
      ...props.monitoring,
      adapterOptions: { externalMetrics: external, ...props.monitoring?.adapterOptions },
    });
    this.interlok = new InterlokDeployment(this, 'Interlok', {
      ...props.interlok,
      pushgateway: props.interlok?.pushgateway ?? this.monitoring.pushgatewayEndpoint,
    });
    this.monitoring.allowPushFrom(NetworkPeer.pods(this.interlok.namespace, this.interlok.podSelector));
    if (this.interlok.namespace !== 'default' && this.interlok.namespace !== this.monitoring.namespace) {
      new k8s.KubeNamespace(this, 'InterlokNamespace', {
        metadata: { name: this.interlok.namespace, labels: recommendedLabels({ name: 'interlok', instance: this.interlok.namespace, component: 'namespace' }) },
      });
    }
    this.rule = new AdapterRule(this, 'Rule', {
      scrapeInterval: this.monitoring.prometheus?.scrapeInterval,
      external,
      ...props.rule,
    });
    this.monitoring.addRule(this.rule);
    this.autoscaler = new MessageMetricsHpa(this, 'Autoscaler', {
      ...props.autoscaler,
      target: ScaleTarget.interlok(this.interlok),
      rule: this.rule,
    });
    if (props.dashboard ?? true) new GrafanaDashboard(this, 'Dashboard', { namespace: this.monitoring.namespace, hpa: this.autoscaler });
    AppIndex.of(this);
  }

  /** Worst-case reaction times of this stack (undefined: no Prometheus of its own to read intervals from). */
  public reactionTimes(): ReactionTimes | undefined {
    const prometheus = this.monitoring.prometheus;
    if (!prometheus) return undefined;
    return worstCaseReactionTimes({
      scrapeInterval: prometheus.scrapeInterval,
      staleAfter: this.rule.staleAfter,
      scaleUpStabilization: this.autoscaler.scaleUpStabilization,
      scaleDownStabilization: this.autoscaler.scaleDownStabilization,
      metricType: this.autoscaler.metric.type,
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
