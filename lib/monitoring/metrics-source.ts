import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { propError } from '../kit/checks';
import { propsKeys } from '../kit/props';

/** Options of `MetricsSource.scrape`. */
export interface ScrapeSourceOptions {
  /**
   * The workflow whose messages count: the `workflow` label of `workflow_count_total`, which Interlok's
   * `metrics-interlok` component sets to `<workflow unique-id>@<channel unique-id>`.
   */
  readonly workflow: string;
  /**
   * The window over which `increase` counts a pod's messages: the scaling value is messages per pod per window.
   * At least 4 scrape intervals (`increase` needs two samples of each pod in it, and one scrape may be late or
   * missed; Prometheus 3 leaves the start of a range open).
   * @default - 1 minute, or 4 scrape intervals when they are longer (2 minutes with kube-prometheus-stack's 30 s)
   */
  readonly window?: Duration;
}

export const SCRAPE_SOURCE_OPTIONS = propsKeys<ScrapeSourceOptions>('ScrapeSourceOptions', { window: 1, workflow: 1 });

/** The path Interlok's `metrics-provider-prometheus` component serves (on the `jetty` component's port, 8080). */
export const SCRAPE_METRICS_PATH = '/prometheus/metrics';
/** The successful-messages counter of a workflow that `metrics-interlok` (Interlok ≥ 4.1) exposes. */
export const SCRAPE_SERIES = 'workflow_count_total';

/** Where the scaling metric comes from. */
export class MetricsSource {
  /**
   * Interlok 3.x's `interlok-kubernetes-prometheus` pusher: `MessageMetrics` pushed to a pushgateway every 10 s
   * (the guide's world).
   */
  public static pushgateway(): MetricsSource {
    return new MetricsSource('pushgateway');
  }

  /**
   * Interlok 4.1+ and 5.x (4.0 removed the pusher): Prometheus scrapes `/prometheus/metrics` on port 8080 of each
   * pod and the cumulative `workflow_count_total{workflow="..."}` becomes messages per pod over `window`. The
   * image must contain the profiler and the metrics components (see the README): the stock `adaptris/interlok`
   * images do not.
   */
  public static scrape(options: ScrapeSourceOptions): MetricsSource {
    // no window given: the adapter rule derives it from its scrape interval
    return new MetricsSource('scrape', options?.workflow, options?.window);
  }

  private constructor(
    public readonly kind: 'pushgateway' | 'scrape',
    /** The workflow label value (scrape only). */
    public readonly workflow?: string,
    /** The increase window given (scrape only); undefined for the rule's default (see ScrapeSourceOptions.window). */
    public readonly window?: Duration,
  ) {}
}

/** A construct's `metricsSource` prop: given or the pushgateway's (the default), else a ValidationError. */
export function checkMetricsSource(scope: IConstruct, given: MetricsSource | undefined): MetricsSource {
  const source = given ?? MetricsSource.pushgateway();
  if (!(source instanceof MetricsSource))
    throw propError(
      scope,
      'metricsSource',
      source,
      'a MetricsSource (MetricsSource.pushgateway() or MetricsSource.scrape({ workflow }))',
    );
  return source;
}
