// The clocks of the chain, in seconds, written once: the constructs' defaults, the adapter rule's freshness
// window, the reaction times, the simulation and the CLI all read them here.

/** Interlok's PrometheusMetricsAdapter pushes on a fixed 10 s schedule (not configurable). */
export const INTERLOK_PUSH_SECONDS = 10;

/** kube-controller-manager's default `--horizontal-pod-autoscaler-sync-period`. */
export const HPA_SYNC_SECONDS = 15;

/** How often our Prometheus scrapes the pushgateway, and the scrape interval the adapter rule assumes by default. */
export const DEFAULT_SCRAPE_SECONDS = 10;

/** kube-prometheus-stack's default interval for a ServiceMonitor or PodMonitor. */
export const MONITOR_INTERVAL_SECONDS = 30;

/** A push stays fresh for one push interval + one scrape interval + this margin (30 s with a 10 s scrape)... */
export const STALE_MARGIN_SECONDS = 10;
/** ...and never less than push + scrape + this, or a busy pod would read 0 between two pushes. */
export const MIN_STALE_MARGIN_SECONDS = 5;

/** The default freshness window of a push: push + scrape + margin. */
export function defaultStaleAfterSeconds(scrapeSeconds: number): number {
  return INTERLOK_PUSH_SECONDS + scrapeSeconds + STALE_MARGIN_SECONDS;
}
