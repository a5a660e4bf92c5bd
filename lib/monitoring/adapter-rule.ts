import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { AppIndex } from '../kit/app-index';
import { checkDuration, checkLabelName, checkMetricName, humanDuration, propError, PropChecks } from '../kit/checks';
import { PrometheusServer } from './prometheus-server';
import {
  DEFAULT_SCRAPE_SECONDS,
  defaultStaleAfterSeconds,
  INTERLOK_PUSH_SECONDS,
  MIN_STALE_MARGIN_SECONDS,
} from '../model/intervals';
import {
  deploymentPodRegex,
  deploymentTotalQuery,
  perPodFreshQuery,
  POD_OF_DEPLOYMENT_SUFFIX,
  TotalQuerySource,
} from '../model/deployment-query';
import { checkMetricsSource, MetricsSource, SCRAPE_SERIES } from './metrics-source';
import { checkPropsIn, propsKeys } from '../kit/props';
import type { AdapterConfig, AdapterRuleConfig } from '../model/adapter-config';

// the model owns the rule's data types; the constructs' users import them from here, as before
export type { AdapterConfig, AdapterRuleConfig };

/**
 * The label of the HPA's External metric selector that carries the Deployment's name; the external rule's query
 * turns it into the Deployment's pod names.
 */
export const DEPLOYMENT_SELECTOR_LABEL = 'deployment';

/**
 * A series every pushgateway exports about itself while Prometheus scrapes it. The External rule is discovered
 * through it, so the metric stays served (as 0) when no pod has pushed: after a rollout while idle, or after the
 * pushgateway pod was replaced while idle.
 */
export const ALWAYS_PRESENT_SERIES = 'pushgateway_build_info';

/**
 * In scrape mode there is no pushgateway: the External rule is discovered through `up`, which Prometheus writes for
 * every target it scrapes (the Interlok pods among them).
 */
export const ALWAYS_PRESENT_SERIES_SCRAPE = 'up';

/**
 * The longest Deployment name whose pod names are not truncated (pod names are at most 63 characters; the API
 * server cuts a generated name's base to 58, and the base is `<deployment>-<hash of up to 10>-`).
 */
export const MAX_EXTERNAL_DEPLOYMENT_NAME = 46;

/**
 * The least scrape intervals in a scraped source's `increase` window: with two, one late scrape (kube-prometheus-
 * stack scrapes every 30 s; Prometheus 3 leaves the start of a range open) leaves one sample and drops the pod.
 */
const SCRAPE_WINDOW_INTERVALS = 4;

export interface AdapterRuleProps {
  /**
   * Where the metric comes from: the pushgateway (Interlok 3.x) or Prometheus scraping the pods (Interlok 4.1+,
   * 5.x); the defaults of the series and labels follow it.
   * @default MetricsSource.pushgateway()
   */
  readonly metricsSource?: MetricsSource;

  /**
   * The series Interlok pushes: the message-metrics-interceptor's unique-id with dashes removed.
   * @default - 'MessageMetrics'; 'workflow_count_total' with MetricsSource.scrape
   */
  readonly seriesName?: string;

  /**
   * The name the custom metrics API (and so the HPA) uses.
   * @default - the series name; 'interlok_messages' with MetricsSource.scrape (the adapter's default rules already
   * serve `workflow_count`)
   */
  readonly metricName?: string;

  /**
   * The label holding the pod's namespace.
   * @default - 'k8s_namespace' (pushed); 'namespace' (set by Prometheus's pod discovery) with MetricsSource.scrape
   */
  readonly namespaceLabel?: string;

  /**
   * The label holding the pod's name.
   * @default - 'k8s_pod_name' (pushed); 'pod' with MetricsSource.scrape
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

  /**
   * Also serve the metric summed over a Deployment's pods as an External metric (`externalRules`), which is what
   * the HPA scales on by default. Turn off where the cluster's external metrics API belongs to someone else (KEDA,
   * another adapter) and the HPA uses `ScaleMetric.podsAverage()`.
   * @default true
   */
  readonly external?: boolean;

  /**
   * The External metric's name. The HPA puts an External metric's name in the URL's resource part, which
   * client-go lowercases, so it must be lowercase.
   * @default - `interlok_` + the series name in lowercase, other characters than a-z, 0-9 and `_` as `_`, at most 63
   * characters (`interlok_messagemetrics`)
   */
  readonly externalMetricName?: string;
}

export const ADAPTER_RULE_PROPS = propsKeys<AdapterRuleProps>('AdapterRuleProps', {
  external: 1,
  externalMetricName: 1,
  metricName: 1,
  metricsSource: 1,
  namespaceLabel: 1,
  podLabel: 1,
  scrapeInterval: 1,
  seriesName: 1,
  staleAfter: 1,
});

/**
 * Serves a metric pushed by Interlok as a Pods custom metric: selects exactly that series with both pod labels
 * set, maps `k8s_namespace`/`k8s_pod_name` to namespace/pod, and queries it scoped to the HPA's namespace and pods,
 * one value per pod (the guide's bare `MessageMetrics` query mixed namespaces).
 */
export class AdapterRule extends Construct {
  /** Renders rules as the adapter's `config.yaml`. */
  public static configYaml(rules: AdapterRule[]): string {
    return stringify(AdapterRule.config(rules), { lineWidth: 0 });
  }

  /** The adapter's configuration for these rules. */
  public static config(rules: AdapterRule[]): AdapterConfig {
    const external = rules.filter((r) => r.external).map((r) => r.toExternalConfig());
    return { rules: rules.map((r) => r.toConfig()), ...(external.length ? { externalRules: external } : {}) };
  }

  /**
   * Renders rules as a values file for the prometheus-community `prometheus-adapter` chart, for clusters that
   * already run an adapter. The chart's default rules are switched off: they discover every series in Prometheus.
   * With External rules the chart also registers `v1beta1.external.metrics.k8s.io`, which KEDA registers too.
   */
  public static helmValuesYaml(rules: AdapterRule[]): string {
    const { rules: custom, externalRules } = AdapterRule.config(rules);
    return stringify(
      { rules: { default: false, custom, ...(externalRules ? { external: externalRules } : {}) } },
      { lineWidth: 0 },
    );
  }

  public readonly seriesName: string;
  public readonly metricName: string;
  public readonly namespaceLabel: string;
  public readonly podLabel: string;
  public readonly staleAfter: Duration;
  public readonly scrapeInterval: Duration;
  /** Whether the rule also serves the External metric. */
  public readonly external: boolean;
  public readonly externalMetricName: string;
  /** Where the metric comes from. */
  public readonly metricsSource: MetricsSource;
  /** The `increase` window of a scraped source: the one given, or the default derived from the scrape interval. */
  private readonly scrapeWindow?: Duration;

  constructor(scope: Construct, id: string, props: AdapterRuleProps = {}) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, ADAPTER_RULE_PROPS) ?? c.fail();
    const source = c.check(() => checkMetricsSource(this, props.metricsSource));
    this.metricsSource = source!;
    // a bad source is reported once: the defaults below are the pushgateway's, its scrape checks are skipped
    const scrape = source?.kind === 'scrape';
    let window: Duration | undefined;
    if (scrape) {
      c.check(() => {
        if (typeof source.workflow !== 'string' || source.workflow.length === 0 || /["\\\n]/.test(source.workflow)) {
          throw propError(
            this,
            'metricsSource.workflow',
            source.workflow,
            'the workflow label value `<workflow unique-id>@<channel unique-id>`, without quotes, backslashes or line breaks',
          );
        }
      });
      if (source.window !== undefined)
        window = c.check(() =>
          checkDuration(this, 'metricsSource.window', source.window!, Duration.seconds(20), Duration.hours(1)),
        );
    }
    // defaults that follow another prop are checked only when that prop is valid: a bad one is reported once
    const seriesName = c.check(() =>
      checkMetricName(this, 'seriesName', props.seriesName ?? (scrape ? SCRAPE_SERIES : 'MessageMetrics')),
    );
    const metricName =
      props.metricName !== undefined || scrape || seriesName !== undefined
        ? c.check(() =>
            checkMetricName(this, 'metricName', props.metricName ?? (scrape ? 'interlok_messages' : seriesName!)),
          )
        : undefined;
    const namespaceLabel = c.check(() =>
      checkLabelName(this, 'namespaceLabel', props.namespaceLabel ?? (scrape ? 'namespace' : 'k8s_namespace')),
    );
    const podLabel = c.check(() =>
      checkLabelName(this, 'podLabel', props.podLabel ?? (scrape ? 'pod' : 'k8s_pod_name')),
    );
    if (podLabel !== undefined && podLabel === namespaceLabel) {
      c.check(() => {
        throw propError(this, 'podLabel', podLabel, 'a label other than namespaceLabel');
      });
    }
    const scrapeInterval = c.check(() =>
      checkDuration(
        this,
        'scrapeInterval',
        props.scrapeInterval ?? Duration.seconds(DEFAULT_SCRAPE_SECONDS),
        Duration.seconds(1),
        Duration.minutes(10),
      ),
    );
    const staleAfter =
      scrapeInterval === undefined
        ? undefined
        : c.check(() =>
            checkDuration(
              this,
              'staleAfter',
              props.staleAfter ?? Duration.seconds(defaultStaleAfterSeconds(scrapeInterval.toSeconds())),
              Duration.seconds(INTERLOK_PUSH_SECONDS + scrapeInterval.toSeconds() + MIN_STALE_MARGIN_SECONDS),
              Duration.hours(1),
            ),
          );
    c.check(() => {
      if (props.external !== undefined && typeof props.external !== 'boolean')
        throw propError(this, 'external', props.external, 'true or false');
    });
    const externalMetricName =
      props.externalMetricName !== undefined || seriesName !== undefined
        ? c.check(() => {
            const name =
              props.externalMetricName ??
              `interlok_${seriesName!.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
            if (typeof name !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(name)) {
              throw propError(
                this,
                'externalMetricName',
                name,
                'a lowercase name of a-z, 0-9 and "_" starting with a letter, at most 63 characters (client-go lowercases External metric names)',
              );
            }
            return name;
          })
        : undefined;
    if (scrape && scrapeInterval !== undefined && (source.window === undefined || window !== undefined)) {
      // two intervals hold two samples only while no scrape is late: then a pod drops out of the sum
      const least = SCRAPE_WINDOW_INTERVALS * scrapeInterval.toSeconds();
      this.scrapeWindow = window ?? Duration.seconds(Math.max(60, least));
      c.check(() => {
        if (this.scrapeWindow!.toSeconds() < least) {
          throw propError(
            this,
            'metricsSource.window',
            source.window,
            `at least ${SCRAPE_WINDOW_INTERVALS} scrape intervals (${humanDuration(Duration.seconds(least))} with a ${humanDuration(scrapeInterval)} interval): ` +
              'increase needs two samples of each pod in its window, and a late or missed scrape (Prometheus 3 leaves the start of a range open) would drop the pod from the sum',
          );
        }
      });
    }
    c.throwIfAny();
    this.seriesName = seriesName!;
    this.metricName = metricName!;
    this.namespaceLabel = namespaceLabel!;
    this.podLabel = podLabel!;
    this.scrapeInterval = scrapeInterval!;
    this.staleAfter = staleAfter!;
    this.external = props.external ?? true;
    this.externalMetricName = externalMetricName!;

    const index = AppIndex.of(this);
    this.node.addValidation({
      validate: () =>
        index
          .ofType(PrometheusServer)
          .filter((c) => c.scrapeInterval.toSeconds() > this.scrapeInterval.toSeconds())
          .map(
            (p) =>
              `adapter rule ${this.node.path} assumes ${scrape ? 'the pods are' : 'the pushgateway is'} scraped every ${humanDuration(this.scrapeInterval)} but Prometheus ${p.node.path} scrapes every ${humanDuration(p.scrapeInterval)}: ${scrape ? 'the window may hold too few samples' : 'busy pods would read 0'}; set the rule's scrapeInterval`,
          ),
    });
  }

  /** What the total query is built from. */
  public get totalQuerySource(): TotalQuerySource {
    const common = { series: this.seriesName, namespaceLabel: this.namespaceLabel, podLabel: this.podLabel };
    return this.metricsSource.kind === 'scrape'
      ? { kind: 'scrape', ...common, matchers: this.scrapeMatchers, window: humanDuration(this.scrapeWindow!) }
      : { kind: 'pushgateway', ...common, staleAfterSeconds: this.staleAfter.toSeconds() };
  }

  private get scrapeMatchers(): string[] {
    return [`workflow="${this.metricsSource.workflow}"`];
  }

  /**
   * The messages of Deployment `deployment`'s pods in `namespace` as one number: the query KEDA's prometheus
   * trigger runs, the same definition the External rule's template renders per HPA request.
   */
  public totalQuery(namespace: string, deployment: string): string {
    return deploymentTotalQuery(this.totalQuerySource, namespace, deploymentPodRegex(deployment));
  }

  /** Discovery: the series by exact name, only where both pod labels are set. */
  public get seriesQuery(): string {
    return `${this.seriesName}{${this.namespaceLabel}!="",${this.podLabel}!=""}`;
  }

  /** The series the External rule is discovered through, present while nothing has been counted. */
  public get alwaysPresentSeries(): string {
    return this.metricsSource.kind === 'scrape' ? ALWAYS_PRESENT_SERIES_SCRAPE : ALWAYS_PRESENT_SERIES;
  }

  /**
   * The query template. `push_time_seconds` is the pushgateway's per-group push time; multiplying by the
   * freshness test zeroes stale groups instead of dropping them, because an HPA that gets no metric for any pod
   * takes no action at all. `max` keeps one value per pod if the same group is scraped twice.
   */
  public get metricsQuery(): string {
    if (this.metricsSource.kind === 'scrape') {
      // per pod: the messages of the window; namespace and pods come from the request's matchers
      return `sum by (<<.GroupBy>>) (increase(<<.Series>>{<<.LabelMatchers>>,${this.scrapeMatchers.join(',')}}[${humanDuration(this.scrapeWindow!)}]))`;
    }
    return perPodFreshQuery({
      series: '<<.Series>>',
      matchers: '<<.LabelMatchers>>',
      groupBy: '<<.GroupBy>>',
      staleAfterSeconds: this.staleAfter.toSeconds(),
    });
  }

  /**
   * The External rule's query template: the sum over the pods of the Deployment named by the HPA's selector, in
   * the HPA's namespace, fresh groups only; `or vector(0)` makes "no pod has pushed" read 0 instead of "no
   * metric", so the HPA still scales down to its minimum. It builds its own matchers because the Deployment label
   * of the selector is on no series.
   */
  public get externalMetricsQuery(): string {
    const value = (label: string) => `<<index .LabelValuesByName "${label}">>`;
    return deploymentTotalQuery(
      this.totalQuerySource,
      value(this.namespaceLabel),
      `${value(DEPLOYMENT_SELECTOR_LABEL)}${POD_OF_DEPLOYMENT_SUFFIX}`,
    );
  }

  /** The rule for `externalRules`. */
  public toExternalConfig(): AdapterRuleConfig {
    return {
      seriesQuery: this.alwaysPresentSeries,
      // the namespace of the HPA's request becomes a matcher on this label
      resources: { overrides: { [this.namespaceLabel]: { resource: 'namespace' } } },
      name: { matches: `^${this.alwaysPresentSeries}$`, as: this.externalMetricName },
      metricsQuery: this.externalMetricsQuery,
    };
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
