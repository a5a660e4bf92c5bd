import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { checkDuration, checkLabelName, checkMetricName } from './_checks';

/** One prometheus-adapter v0.12 discovery rule, exactly as its strict config parser expects it. */
export interface AdapterRuleConfig {
  readonly seriesQuery: string;
  readonly resources: { readonly overrides: Record<string, { readonly resource: string }> };
  readonly name: { readonly matches: string; readonly as: string };
  readonly metricsQuery: string;
}

export interface AdapterRuleProps {
  /**
   * The series Interlok pushes: the message-metrics-interceptor's unique-id with dashes removed.
   * @default 'MessageMetrics'
   */
  readonly seriesName?: string;

  /**
   * The name the custom metrics API (and so the HPA) uses.
   * @default - the series name
   */
  readonly metricName?: string;

  /**
   * The pushed label holding the pod's namespace.
   * @default 'k8s_namespace'
   */
  readonly namespaceLabel?: string;

  /**
   * The pushed label holding the pod's name.
   * @default 'k8s_pod_name'
   */
  readonly podLabel?: string;

  /**
   * A pod whose group was last pushed longer ago than this reads as 0. The pushgateway keeps a group's last value
   * for ever and Interlok stops pushing when idle, so without this an idle pod would hold the HPA up for ever.
   * Must exceed Interlok's 10 s push interval plus a Prometheus scrape interval.
   * @default Duration.seconds(30)
   */
  readonly staleAfter?: Duration;
}

/**
 * Serves a metric pushed by Interlok as a Pods custom metric: selects exactly that series with both pod labels
 * set, maps `k8s_namespace`/`k8s_pod_name` to namespace/pod, and queries it scoped to the HPA's namespace and pods,
 * one value per pod (the guide's bare `MessageMetrics` query mixed namespaces).
 */
export class AdapterRule extends Construct {
  /** Renders rules as the adapter's `config.yaml`. */
  public static configYaml(rules: AdapterRule[]): string {
    return stringify({ rules: rules.map((r) => r.toConfig()) }, { lineWidth: 0 });
  }

  /**
   * Renders rules as a values file for the prometheus-community `prometheus-adapter` chart, for clusters that
   * already run an adapter. The chart's default rules are switched off: they discover every series in Prometheus.
   */
  public static helmValuesYaml(rules: AdapterRule[]): string {
    return stringify({ rules: { default: false, custom: rules.map((r) => r.toConfig()) } }, { lineWidth: 0 });
  }

  public readonly seriesName: string;
  public readonly metricName: string;
  public readonly namespaceLabel: string;
  public readonly podLabel: string;
  public readonly staleAfter: Duration;

  constructor(scope: Construct, id: string, props: AdapterRuleProps = {}) {
    super(scope, id);
    this.seriesName = checkMetricName(this, 'seriesName', props.seriesName ?? 'MessageMetrics');
    this.metricName = checkMetricName(this, 'metricName', props.metricName ?? this.seriesName);
    this.namespaceLabel = checkLabelName(this, 'namespaceLabel', props.namespaceLabel ?? 'k8s_namespace');
    this.podLabel = checkLabelName(this, 'podLabel', props.podLabel ?? 'k8s_pod_name');
    if (this.podLabel === this.namespaceLabel) {
      throw new Error(`[${this.node.path}] podLabel: got "${this.podLabel}", expected a label other than namespaceLabel`);
    }
    this.staleAfter = checkDuration(this, 'staleAfter', props.staleAfter ?? Duration.seconds(30), Duration.seconds(20), Duration.hours(1));
  }

  /** Discovery: the series by exact name, only where both pod labels are set. */
  public get seriesQuery(): string {
    return `${this.seriesName}{${this.namespaceLabel}!="",${this.podLabel}!=""}`;
  }

  /**
   * The query template. `push_time_seconds` is the pushgateway's per-group push time; multiplying by the
   * freshness test zeroes stale groups instead of dropping them, because an HPA that gets no metric for any pod
   * takes no action at all. `max` keeps one value per pod if the same group is scraped twice.
   */
  public get metricsQuery(): string {
    return `max by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>} * (time() - push_time_seconds{<<.LabelMatchers>>} < bool ${this.staleAfter.toSeconds()}))`;
  }

  public toConfig(): AdapterRuleConfig {
    return {
      seriesQuery: this.seriesQuery,
      resources: {
        overrides: {
          [this.namespaceLabel]: { resource: 'namespace' },
          [this.podLabel]: { resource: 'pod' },
        },
      },
      name: { matches: `^${this.seriesName}$`, as: this.metricName },
      metricsQuery: this.metricsQuery,
    };
  }
}
