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

/** The pushgateway's time of each group's last push; `time() -` it is the group's age. */
export const PUSH_TIME_SERIES = 'push_time_seconds';

/** How long ago each group matching `matchers` was pushed, in seconds. */
export function pushAgeQuery(matchers: string): string {
  return `time() - ${PUSH_TIME_SERIES}{${matchers}}`;
}

/**
 * The one freshness test of a push, per pod: the series times `(age < bool N)`, so a group pushed N seconds ago or
 * more reads 0 instead of disappearing (an HPA that gets no metric for any pod takes no action at all); `max` keeps
 * one value per pod if the same group is scraped twice. The adapter's rule, the Deployment total (External rule,
 * KEDA) and the dashboard all write it here; the arguments may be the adapter's template actions.
 */
export function perPodFreshQuery(q: {
  readonly series: string;
  readonly matchers: string;
  readonly groupBy: string;
  readonly staleAfterSeconds: number;
}): string {
  return `max by (${q.groupBy}) (${q.series}{${q.matchers}} * (${pushAgeQuery(q.matchers)} < bool ${q.staleAfterSeconds}))`;
}

/**
 * The N of the freshness test in a query that `perPodFreshQuery` wrote (a rule's, a KEDA trigger's); else undefined.
 */
export function staleAfterInQuery(query: string | undefined): number | undefined {
  const m = new RegExp(`${PUSH_TIME_SERIES}[\\s\\S]*?<\\s*bool\\s+(\\d+(?:\\.\\d+)?)`).exec(query ?? '');
  return m ? Number(m[1]) : undefined;
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
 * - pushgateway: `sum(max by (pod) (series{ns, pod=~} * (time() - push_time_seconds{ns, pod=~} < bool N))) or
 * vector(0)`:
 *   stale groups (deleted pods, idle pods: the 3.x pusher sends nothing while idle) read 0.
 * - scrape: `sum(increase(series{ns, pod=~, matchers}[window])) or vector(0)`: messages of the window; counter
 *   resets (a restarted container) are handled by `increase`, an idle pod's counter does not move (0), a pod that
 *   never handled a message has no series (nothing to add).
 */
export function deploymentTotalQuery(source: TotalQuerySource, namespace: string, podRegex: string): string {
  const scope = `${source.namespaceLabel}="${namespace}",${source.podLabel}=~"${podRegex}"`;
  if (source.kind === 'pushgateway') {
    const perPod = perPodFreshQuery({
      series: source.series,
      matchers: scope,
      groupBy: source.podLabel,
      staleAfterSeconds: source.staleAfterSeconds,
    });
    return `sum(${perPod}) or vector(0)`;
  }
  const matchers = [scope, ...source.matchers].join(',');
  return `sum(increase(${source.series}{${matchers}}[${source.window}])) or vector(0)`;
}
