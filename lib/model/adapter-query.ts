import { AdapterRuleConfig } from '../adapter-rule';

/**
 * What prometheus-adapter v0.12 does with a rule for a Pods metric, as library functions: discovery naming, the
 * `metricsQuery` template expanded as `pkg/naming/metrics_query.go` does, and the mapping of results back to pods.
 * Used by the chain tests against a real Prometheus and by anyone checking a rule without a cluster.
 */

/** One HPA request: `GET .../namespaces/<namespace>/pods/*<metric>?labelSelector=<the Deployment's selector>`. */
export interface PodsMetricRequest {
  /** The HPA's namespace. */
  readonly namespace: string;
  /** The names of the pods the Deployment's selector matches, as the adapter lists them. */
  readonly pods: string[];
  /**
   * The HPA's `pods.metric.selector.matchLabels`; they become the first matchers (matchExpressions are not
   * modelled).
   * @default - none
   */
  readonly metricSelector?: Record<string, string>;
}

/**
 * One HPA request for an External metric: `GET .../namespaces/<namespace>/<metric>?labelSelector=<the HPA's
 * external.metric.selector>`.
 */
export interface ExternalMetricRequest {
  /** The HPA's namespace. */
  readonly namespace: string;
  /**
   * The HPA's `external.metric.selector.matchLabels` (matchExpressions are not modelled).
   * @default - none
   */
  readonly metricSelector?: Record<string, string>;
}

/** The label of the rule's override mapped to `resource` (`namespace` or `pod`). */
export function labelForResource(rule: AdapterRuleConfig, resource: 'namespace' | 'pod'): string {
  const entry = Object.entries(rule.resources.overrides).find(([, v]) => singular(v.resource) === resource);
  if (!entry) {
    // the adapter's makeLabelForResource error: with no override or template every pods query fails
    throw new Error(`no generic resource label form specified for this metric (no override for ${resource})`);
  }
  return entry[0];
}

function singular(resource: string): string {
  return resource === 'pods' ? 'pod' : resource === 'namespaces' ? 'namespace' : resource;
}

/** Go's `%q` for the ASCII strings Kubernetes names and label values are made of. */
function goQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/**
 * The API name a discovered series is served under, or undefined when the rule's `name.matches` does not match
 * it (the adapter then does not serve it). `as` defaults to `$0` with no capture group and `$1` with one.
 */
export function apiMetricName(rule: AdapterRuleConfig, series: string): string | undefined {
  const matches = rule.name?.matches || '.*';
  const re = new RegExp(matches);
  const m = re.exec(series);
  if (!m) return undefined;
  const groups = m.length - 1;
  let as = rule.name?.as;
  if (!as) {
    if (groups > 1) throw new Error('must specify an \'as\' value for name matcher with more than one capture group');
    as = groups === 1 ? '$1' : '$0';
  }
  return goExpand(as, m);
}

/**
 * Go's `Regexp.Expand`: `$$` is a literal `$`; `$name` takes the longest run of letters, digits and `_` as the
 * name (so `$1_total` names a group called `1_total`, which is empty), `${name}` delimits it; a number is a group
 * index, anything else a named group.
 */
function goExpand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{(\w+)\}|(\w+))/g, (all, _x, braced?: string, bare?: string) => {
    if (all === '$$') return '$';
    const name = (braced ?? bare)!;
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

/**
 * The PromQL the adapter runs for a request: matchers from the metric selector, then namespace (`=`), then pods
 * (`=` for one, `=~"a|b"` for several); GroupBy is the pod label.
 */
export function renderMetricsQuery(rule: AdapterRuleConfig, series: string, request: PodsMetricRequest): string {
  if (request.pods.length === 0) throw new Error('no pods to query');
  const { exprs, valuesByName } = selectorAndNamespace(rule, request);
  const podLabel = labelForResource(rule, 'pod');
  const podValue = request.pods.join('|');
  exprs.push(request.pods.length > 1 ? `${podLabel}=~${goQuote(podValue)}` : `${podLabel}=${goQuote(podValue)}`);
  valuesByName[podLabel] = podValue;

  const query = expandTemplate(rule.metricsQuery, {
    Series: series,
    LabelMatchers: exprs.join(','),
    GroupBy: podLabel,
    GroupBySlice: [podLabel],
    LabelValuesByName: valuesByName,
  });
  if (query === '') throw new Error('empty query produced by metrics query template');
  return query;
}

/**
 * The PromQL the adapter runs for an External metric request (`BuildExternal`): matchers from the metric selector,
 * then the namespace; no resource names and an empty GroupBy.
 */
export function renderExternalMetricsQuery(rule: AdapterRuleConfig, series: string, request: ExternalMetricRequest): string {
  const { exprs, valuesByName } = selectorAndNamespace(rule, request);
  const query = expandTemplate(rule.metricsQuery, {
    Series: series, LabelMatchers: exprs.join(','), GroupBy: '', GroupBySlice: [], LabelValuesByName: valuesByName,
  });
  if (query === '') throw new Error('empty query produced by metrics query template');
  return query;
}

/** The external metric converter: one value per sample, cut to milli-units; the HPA sums them. */
export function externalValues(samples: VectorSample[]): number[] {
  return samples.map((s) => {
    const raw = Number(s.value[1]);
    return Number.isNaN(raw) ? 0 : Math.trunc(raw * 1000) / 1000;
  });
}

function selectorAndNamespace(rule: AdapterRuleConfig, request: { namespace: string; metricSelector?: Record<string, string> }) {
  const exprs: string[] = [];
  const valuesByName: Record<string, string> = {};
  // labels.Parse sorts a selector's requirements by key, in byte order
  for (const [label, value] of Object.entries(request.metricSelector ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    exprs.push(`${label}=${goQuote(value)}`);
    valuesByName[label] = value;
  }
  const namespaceLabel = labelForResource(rule, 'namespace');
  exprs.push(`${namespaceLabel}=${goQuote(request.namespace)}`);
  valuesByName[namespaceLabel] = request.namespace;
  return { exprs, valuesByName };
}

interface TemplateArgs {
  readonly Series: string;
  readonly LabelMatchers: string;
  readonly GroupBy: string;
  readonly GroupBySlice: string[];
  readonly LabelValuesByName: Record<string, string>;
}

/**
 * Expands the `<< >>` actions prometheus-adapter rules use: `.Series`, `.LabelMatchers`, `.GroupBy`,
 * `index .LabelValuesByName "label"` and `join .GroupBySlice ","`. Anything else is an error rather than a guess.
 */
export function expandTemplate(template: string, args: TemplateArgs): string {
  return template.replace(/<<-?\s*(.*?)\s*-?>>/g, (_all, action: string) => {
    const field = /^\.(Series|LabelMatchers|GroupBy)$/.exec(action);
    if (field) return args[field[1] as 'Series' | 'LabelMatchers' | 'GroupBy'];
    const index = /^index \.LabelValuesByName "([^"]+)"$/.exec(action);
    if (index) return args.LabelValuesByName[index[1]] ?? '';
    const join = /^join \.GroupBySlice "([^"]*)"$/.exec(action);
    if (join) return args.GroupBySlice.join(join[1]);
    throw new Error(`template action not supported: <<${action}>>`);
  });
}

/** A Prometheus instant-vector sample as `/api/v1/query` returns it. */
export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/**
 * The adapter's MatchValuesToNames + metricsFor: keyed by the pod label (a later series with the same pod
 * overwrites an earlier one), only requested pods kept, values as milli-quantities (NaN → 0).
 */
export function podValues(rule: AdapterRuleConfig, request: PodsMetricRequest, samples: VectorSample[]): Map<string, number> {
  const podLabel = labelForResource(rule, 'pod');
  const byPod = new Map<string, number>();
  for (const s of samples) {
    const raw = Number(s.value[1]);
    byPod.set(s.metric[podLabel] ?? '', Number.isNaN(raw) ? 0 : Math.trunc(raw * 1000) / 1000);
  }
  const result = new Map<string, number>();
  for (const pod of request.pods) {
    if (byPod.has(pod)) result.set(pod, byPod.get(pod)!);
  }
  return result;
}
