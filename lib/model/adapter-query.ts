import { AdapterRuleConfig } from './adapter-config';
import { GoMap, GoTemplate, goQuote, TemplateParseError } from './go-template';
import { checkInput, checkStrings, inputError } from './_input';

function checkQueryInput(
  fn: string,
  rule: AdapterRuleConfig,
  series: string,
  request: ExternalMetricRequest | PodsMetricRequest,
  pods: boolean,
): void {
  if (rule === null || typeof rule !== 'object' || typeof (rule as any).metricsQuery !== 'string') {
    throw inputError(fn, 'rule', rule, 'an AdapterRuleConfig (AdapterRule.config([...]).rules[i]) with a metricsQuery');
  }
  if (typeof series !== 'string' || series === '') throw inputError(fn, 'series', series, 'a series name');
  checkInput(fn, request, pods ? 'PodsMetricRequest' : 'ExternalMetricRequest');
  if (typeof request.namespace !== 'string')
    throw inputError(fn, 'request.namespace', request.namespace, 'a namespace name ("" for all)');
  if (pods) {
    checkStrings(fn, 'request.pods', (request as PodsMetricRequest).pods);
    if ((request as PodsMetricRequest).pods.length === 0)
      throw inputError(fn, 'request.pods', [], 'at least one pod name');
  }
  const selector = request.metricSelector;
  if (
    selector !== undefined &&
    (selector === null || typeof selector !== 'object' || Object.values(selector).some((v) => typeof v !== 'string'))
  ) {
    throw inputError(fn, 'request.metricSelector', selector, 'an object of label names to values');
  }
}

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

/**
 * The adapter refuses the rule when it loads its config (`NamersFromConfig`): the adapter does not start, so the
 * rule is reported as refused, never rendered.
 */
export class RuleRefusedError extends Error {}

/**
 * The label of the rule mapped to `resource` (`namespace` or `pod`), as `LabelForResource` finds it: an override
 * first, else the rule's `resources.template` rendered with `.Group` and `.Resource`.
 */
export function labelForResource(rule: AdapterRuleConfig, resource: 'namespace' | 'pod'): string {
  const entry = Object.entries(rule.resources.overrides ?? {}).find(
    ([, v]) => singular(v.resource) === resource && !v.group,
  );
  if (entry) return entry[0];
  if (rule.resources.template) {
    return parseTemplate('label-template', rule.resources.template).execute({ Group: '', Resource: resource });
  }
  // the adapter's makeLabelForResource error: with no override or template every pods query fails
  throw new Error(`no generic resource label form specified for this metric (no override for ${resource})`);
}

function singular(resource: string): string {
  return resource === 'pods' ? 'pod' : resource === 'namespaces' ? 'namespace' : resource;
}

/** Go's RE2 syntax as a JavaScript RegExp: `(?P<name>` is `(?<name>`; Go's regexps are unanchored like JS's. */
export function goRegExp(source: string): RegExp {
  try {
    return new RegExp(source.replace(/\(\?P</g, '(?<'));
  } catch (e) {
    throw new RuleRefusedError(`error parsing regexp: ${(e as Error).message}`);
  }
}

/** A `seriesFilters` entry as `NewReMatcher` builds it: exactly one of `is` and `isNot`. */
export function seriesFilterMatcher(filter: {
  readonly is?: string;
  readonly isNot?: string;
}): (series: string) => boolean {
  if ((filter.is !== undefined && filter.is !== '') === (filter.isNot !== undefined && filter.isNot !== '')) {
    throw new RuleRefusedError('either is or isNot must be specified in a series filter (not both, not neither)');
  }
  const positive = filter.is !== undefined && filter.is !== '';
  const re = goRegExp(positive ? filter.is! : filter.isNot!);
  return (series) => re.test(series) === positive;
}

/**
 * What the adapter checks of a rule when it loads its config (`NamersFromConfig`): the series filters, the name
 * regexp and its `as` default, the resource template and the metricsQuery template (Go's text/template with no
 * extra functions). Throws RuleRefusedError with the adapter's reason.
 */
export function checkRuleLoads(rule: AdapterRuleConfig): void {
  for (const f of rule.seriesFilters ?? []) seriesFilterMatcher(f);
  const matches = goRegExp(rule.name?.matches || '.*');
  const groups = new RegExp(`${matches.source}|`).exec('')!.length - 1;
  if (!rule.name?.as && groups > 1)
    throw new RuleRefusedError("must specify an 'as' value for name matcher with more than one capture group");
  if (rule.resources.template) parseTemplate('label-template', rule.resources.template);
  parseTemplate('metrics-query', rule.metricsQuery ?? '');
}

function parseTemplate(name: string, text: string): GoTemplate {
  try {
    return GoTemplate.parse(name, text);
  } catch (e) {
    if (e instanceof TemplateParseError) {
      const what = name === 'metrics-query' ? 'metrics query template' : 'label template';
      throw new RuleRefusedError(`unable to parse ${what} ${goQuote(text)}: ${e.message}`);
    }
    throw e;
  }
}

/**
 * The API name a discovered series is served under, or undefined when the rule's `name.matches` does not match
 * it or one of its `seriesFilters` drops it (the adapter then does not serve it). `as` defaults to `$0` with no
 * capture group and `$1` with one.
 */
export function apiMetricName(rule: AdapterRuleConfig, series: string): string | undefined {
  if (!(rule.seriesFilters ?? []).every((f) => seriesFilterMatcher(f)(series))) return undefined;
  const re = goRegExp(rule.name?.matches || '.*');
  const m = re.exec(series);
  if (!m) return undefined;
  const groups = m.length - 1;
  let as = rule.name?.as;
  if (!as) {
    if (groups > 1)
      throw new RuleRefusedError("must specify an 'as' value for name matcher with more than one capture group");
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

/** One requirement of a label selector, as `labels.Requirement` holds it. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!';
  readonly values: string[];
}

/** A `matchLabels` map (plus `matchExpressions`) as the sorted requirements `labels.Selector` gives. */
export function selectorRequirements(
  matchLabels: Record<string, string> = {},
  matchExpressions: ReadonlyArray<{ key: string; operator: string; values?: string[] }> = [],
): LabelRequirement[] {
  const ops: Record<string, LabelRequirement['operator']> = {
    In: 'in',
    NotIn: 'notin',
    Exists: 'exists',
    DoesNotExist: '!',
  };
  const reqs: LabelRequirement[] = [
    ...Object.entries(matchLabels).map(([key, v]) => ({ key, operator: '=' as const, values: [v] })),
    ...matchExpressions.map((e) => {
      const operator = ops[e.operator];
      if (!operator)
        throw new Error(`label selector operator ${e.operator} is not one of In, NotIn, Exists, DoesNotExist`);
      return { key: e.key, operator, values: e.values ?? [] };
    }),
  ];
  // labels.Selector keeps requirements sorted by key, in byte order
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const matcherFns = {
  eq: (l: string, v: string) => `${l}=${goQuote(v)}`,
  neq: (l: string, v: string) => `${l}!=${goQuote(v)}`,
  re: (l: string, v: string) => `${l}=~${goQuote(v)}`,
  nre: (l: string, v: string) => `${l}!~${goQuote(v)}`,
};

/** processQueryParts: selectMatcher and selectTargetValue of `metrics_query.go`. */
function processQueryParts(parts: LabelRequirement[]): { exprs: string[]; valuesByName: Record<string, string> } {
  const exprs: string[] = [];
  const valuesByName: Record<string, string> = {};
  for (const part of parts) {
    if (part.key === '') throw new Error('label not specified');
    const values = [...new Set(part.values)].sort();
    const op = part.operator;
    let matcher: (l: string, v: string) => string;
    if (values.length === 0) {
      if (op === 'exists') matcher = matcherFns.neq;
      else if (op === '!') matcher = matcherFns.eq;
      else throw new Error('malformed query');
    } else if (values.length === 1) {
      if (op === 'exists' || op === '!') throw new Error('operator does not support values');
      matcher =
        op === '=' || op === '=='
          ? matcherFns.eq
          : op === '!='
            ? matcherFns.neq
            : op === 'in'
              ? matcherFns.re
              : matcherFns.nre;
    } else {
      if (op === 'exists' || op === '!') throw new Error('operator does not support values');
      matcher = op === '=' || op === '==' || op === 'in' ? matcherFns.re : matcherFns.nre;
    }
    exprs.push(matcher(part.key, values.join('|')));
    valuesByName[part.key] = values.join('|');
  }
  return { exprs, valuesByName };
}

/** The arguments of `metricsQuery.Build` (custom metrics). */
export interface BuildArgs {
  readonly series: string;
  /** The label of the requested resource (the pod label for Pods metrics). */
  readonly resourceLabel: string;
  /** The namespace label; needed only when namespace is not empty. */
  readonly namespaceLabel?: string;
  /** Empty for root-scoped resources: then no namespace matcher at all. */
  readonly namespace: string;
  readonly names: string[];
  readonly extraGroupBy?: string[];
  readonly selector?: LabelRequirement[];
}

function namespacePart(label: string | undefined, namespace: string): LabelRequirement[] {
  if (namespace === '') return [];
  if (label === undefined)
    throw new Error('no generic resource label form specified for this metric (no override for namespace)');
  return [{ key: label, operator: '=', values: [namespace] }];
}

function execute(template: string, args: Record<string, unknown>): string {
  const query = parseTemplate('metrics-query', template).execute(args);
  if (query === '') throw new Error('empty query produced by metrics query template');
  return query;
}

/** `metricsQuery.Build`: selector matchers, then the namespace (unless empty), then the resource names. */
export function buildMetricsQuery(template: string, a: BuildArgs): string {
  const { exprs, valuesByName } = processQueryParts([
    ...(a.selector ?? []),
    ...namespacePart(a.namespaceLabel, a.namespace),
  ]);
  const target = a.names.join('|');
  exprs.push(a.names.length > 1 ? matcherFns.re(a.resourceLabel, target) : matcherFns.eq(a.resourceLabel, target));
  valuesByName[a.resourceLabel] = target;
  const groupBy = [a.resourceLabel, ...(a.extraGroupBy ?? [])];
  return execute(template, {
    Series: a.series,
    LabelMatchers: exprs.join(','),
    LabelValuesByName: new GoMap(valuesByName),
    GroupBy: groupBy.join(','),
    GroupBySlice: groupBy,
  });
}

/** The arguments of `metricsQuery.BuildExternal`. */
export interface BuildExternalArgs {
  readonly series: string;
  readonly namespaceLabel?: string;
  readonly namespace: string;
  readonly groupBy?: string;
  readonly groupBySlice?: string[];
  readonly selector?: LabelRequirement[];
}

/** `metricsQuery.BuildExternal`: selector matchers, then the namespace (unless empty). */
export function buildExternalMetricsQuery(template: string, a: BuildExternalArgs): string {
  const { exprs, valuesByName } = processQueryParts([
    ...(a.selector ?? []),
    ...namespacePart(a.namespaceLabel, a.namespace),
  ]);
  return execute(template, {
    Series: a.series,
    LabelMatchers: exprs.join(','),
    LabelValuesByName: new GoMap(valuesByName),
    GroupBy: a.groupBy ?? '',
    GroupBySlice: a.groupBySlice ?? [],
  });
}

/**
 * The PromQL the adapter runs for a request: matchers from the metric selector, then namespace (`=`; none for an
 * empty namespace), then pods (`=` for one, `=~"a|b"` for several); GroupBy is the pod label. The template is
 * Go's text/template: a rule the adapter would refuse throws RuleRefusedError.
 */
export function renderMetricsQuery(rule: AdapterRuleConfig, series: string, request: PodsMetricRequest): string {
  checkQueryInput('renderMetricsQuery', rule, series, request, true);
  checkRuleLoads(rule);
  return buildMetricsQuery(rule.metricsQuery, {
    series,
    resourceLabel: labelForResource(rule, 'pod'),
    namespaceLabel: request.namespace === '' ? undefined : labelForResource(rule, 'namespace'),
    namespace: request.namespace,
    names: request.pods,
    selector: selectorRequirements(request.metricSelector),
  });
}

/**
 * The PromQL the adapter runs for an External metric request (`BuildExternal`): matchers from the metric selector,
 * then the namespace; no resource names and an empty GroupBy.
 */
export function renderExternalMetricsQuery(
  rule: AdapterRuleConfig,
  series: string,
  request: ExternalMetricRequest,
): string {
  checkQueryInput('renderExternalMetricsQuery', rule, series, request, false);
  checkRuleLoads(rule);
  return buildExternalMetricsQuery(rule.metricsQuery, {
    series,
    namespaceLabel: request.namespace === '' ? undefined : labelForResource(rule, 'namespace'),
    namespace: request.namespace,
    selector: selectorRequirements(request.metricSelector),
  });
}

/** The external metric converter: one value per sample, cut to milli-units; the HPA sums them. */
export function externalValues(samples: VectorSample[]): number[] {
  return samples.map((s) => {
    const raw = Number(s.value[1]);
    return Number.isNaN(raw) ? 0 : Math.trunc(raw * 1000) / 1000;
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
export function podValues(
  rule: AdapterRuleConfig,
  request: PodsMetricRequest,
  samples: VectorSample[],
): Map<string, number> {
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
