import { ApiObject, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { AdapterRule, AdapterRuleProps } from './adapter-rule';
import { InterlokDeployment, InterlokDeploymentProps } from './interlok-deployment';
import { recommendedLabels } from './labels';
import { AutoscalerOptions, MessageMetricsHpa, ScaleTarget } from './message-metrics-hpa';
import { MonitoringStack, MonitoringStackProps } from './monitoring/monitoring-stack';
import { NetworkPeer } from './monitoring/network-peer';
import { ReactionTimes, worstCaseReactionTimes } from './reaction-time';

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
}

/** Two objects of one kind, namespace and name would overwrite each other on apply. */
function duplicateObjects(chart: Chart): string[] {
  const seen = new Map<string, string>();
  const errors: string[] = [];
  for (const o of chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
    const key = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.name}`;
    const first = seen.get(key);
    if (first) errors.push(`${key} is defined twice (${first} and ${o.node.path}): rename one`);
    else seen.set(key, o.node.path);
  }
  return errors;
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
    this.monitoring = new MonitoringStack(this, 'Monitoring', props.monitoring);
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
      ...props.rule,
    });
    this.monitoring.addRule(this.rule);
    this.autoscaler = new MessageMetricsHpa(this, 'Autoscaler', {
      ...props.autoscaler,
      target: ScaleTarget.interlok(this.interlok),
      rule: this.rule,
    });
    this.node.addValidation({ validate: () => duplicateObjects(this) });
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
