/**
 * One definition of "the messages of a Deployment's pods", shared by the adapter's External rule (rendered as a
 * template the adapter fills per request) and KEDA's prometheus trigger (rendered concretely per ScaledObject).
 * Both give one element: the total over the Deployment's pods in one namespace, 0 when nothing matches.
 */

// A Deployment's pod is named <deployment>-<pod-template-hash>-<suffix>; both parts use the API server's
// "safe" alphabet (k8s.io/apimachinery/pkg/util/rand), which keeps other Deployments' pods from matching.
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
export const POD_OF_DEPLOYMENT_SUFFIX = `-${SAFE}{1,10}-${SAFE}{5}`;

/**
 * The regular expression matching exactly the pod names of Deployment `deployment`, as it goes in a PromQL string:
 * the dots of a dotted Deployment name are escaped (`\\.`), nothing else in a DNS-1123 subdomain needs it.
 */
export function deploymentPodRegex(deployment: string): string {
  return `${deployment.replace(/\./g, '\\\\.')}${POD_OF_DEPLOYMENT_SUFFIX}`;
}

/** Where the series come from and how they are labelled. */
export type TotalQuerySource =
  | {
    /** Interlok 3.x pushes a counter per pod to a pushgateway. */
    readonly kind: 'pushgateway';
    readonly series: string;
    readonly namespaceLabel: string;
    readonly podLabel: string;
    /** Groups pushed longer ago than this read 0 (`push_time_seconds` is the pushgateway's per-group push time). */
    readonly staleAfterSeconds: number;
  }
  | {
    /** Interlok 4.1+/5.x exposes a cumulative counter that Prometheus scrapes from each pod. */
    readonly kind: 'scrape';
    readonly series: string;
    readonly namespaceLabel: string;
    readonly podLabel: string;
    /** Extra matchers on the series, e.g. `workflow="in@channel"`. */
    readonly matchers: string[];
    /** The `increase` window, as Prometheus writes durations (`1m`). */
    readonly window: string;
  };

/**
 * The total of the Deployment's pods in `namespace`, one element. `namespace` and `podRegex` are inserted as they
 * are, so that the adapter's template actions can stand in for them.
 *
 * - pushgateway: `sum(max by (pod) (series{ns, pod=~} * (time() - push_time_seconds{ns, pod=~} < bool N))) or vector(0)`:
 *   stale groups (deleted pods, idle pods: the 3.x pusher sends nothing while idle) read 0.
 * - scrape: `sum(increase(series{ns, pod=~, matchers}[window])) or vector(0)`: messages of the window; counter
 *   resets (a restarted container) are handled by `increase`, an idle pod's counter does not move (0), a pod that
 *   never handled a message has no series (nothing to add).
 */
export function deploymentTotalQuery(source: TotalQuerySource, namespace: string, podRegex: string): string {
  const scope = `${source.namespaceLabel}="${namespace}",${source.podLabel}=~"${podRegex}"`;
  if (source.kind === 'pushgateway') {
    return `sum(max by (${source.podLabel}) (${source.series}{${scope}} * (time() - push_time_seconds{${scope}} < bool ${source.staleAfterSeconds}))) or vector(0)`;
  }
  const matchers = [scope, ...source.matchers].join(',');
  return `sum(increase(${source.series}{${matchers}}[${source.window}])) or vector(0)`;
}
