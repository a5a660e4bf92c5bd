import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { checkDuration, checkLabelName, checkMetricName, humanDuration } from './_checks';
import { PrometheusServer } from './monitoring/prometheus-server';
import { INTERLOK_PUSH_INTERVAL } from './reaction-time';

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
   * How often the Prometheus the adapter queries scrapes the pushgateway. Seen from Prometheus, a busy pod's
   * last push is up to one push interval (10 s) plus one scrape interval old.
   * @default Duration.seconds(10)
   */
  readonly scrapeInterval?: Duration;

  /**
   * A pod whose group was last pushed longer ago than this reads as 0. The pushgateway keeps a group's last value
   * for ever and Interlok stops pushing when idle, so without this an idle pod would hold the HPA up for ever.
   * At least push interval + scrape interval + 5 s, so that a busy pod never reads 0.
   * @default - push interval + scrape interval + 10 s (30 s with a 10 s scrape)
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
  public readonly scrapeInterval: Duration;

  constructor(scope: Construct, id: string, props: AdapterRuleProps = {}) {
    super(scope, id);
    this.seriesName = checkMetricName(this, 'seriesName', props.seriesName ?? 'MessageMetrics');
    this.metricName = checkMetricName(this, 'metricName', props.metricName ?? this.seriesName);
    this.namespaceLabel = checkLabelName(this, 'namespaceLabel', props.namespaceLabel ?? 'k8s_namespace');
    this.podLabel = checkLabelName(this, 'podLabel', props.podLabel ?? 'k8s_pod_name');
    if (this.podLabel === this.namespaceLabel) {
      throw new Error(`[${this.node.path}] podLabel: got "${this.podLabel}", expected a label other than namespaceLabel`);
    }
    this.scrapeInterval = checkDuration(this, 'scrapeInterval', props.scrapeInterval ?? Duration.seconds(10), Duration.seconds(1), Duration.minutes(10));
    const busyAge = INTERLOK_PUSH_INTERVAL.toSeconds() + this.scrapeInterval.toSeconds();
    this.staleAfter = checkDuration(this, 'staleAfter', props.staleAfter ?? Duration.seconds(busyAge + 10), Duration.seconds(busyAge + 5), Duration.hours(1));

    this.node.addValidation({
      validate: () => this.node.root.node.findAll()
        .filter((c): c is PrometheusServer => c instanceof PrometheusServer && c.scrapeInterval.toSeconds() > this.scrapeInterval.toSeconds())
        .map((p) => `adapter rule ${this.node.path} assumes the pushgateway is scraped every ${humanDuration(this.scrapeInterval)} but Prometheus ${p.node.path} scrapes every ${humanDuration(p.scrapeInterval)}: busy pods would read 0; set the rule's scrapeInterval`),
    });
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
