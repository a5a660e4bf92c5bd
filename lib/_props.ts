import { IConstruct } from 'constructs';
import { propError } from './_checks';

/**
 * The keys of every Props interface, declared once: the constructs reject any other key at runtime (JavaScript
 * users and `npm run synth`, which does not type-check, would otherwise see a typo silently ignored), and
 * test/known-props.test.ts checks that each list equals its interface's members in the API report, so the two
 * cannot drift. `extends` lists the interfaces whose keys are inherited.
 */
const PROPS: Record<string, { readonly keys: readonly string[]; readonly extends?: readonly string[] }> = {
  ChartProps: { keys: ['disableResourceNameHashes', 'labels', 'namespace'] },
  InterlokAutoscalingChartProps: { keys: ['autoscaler', 'dashboard', 'existingNamespaces', 'interlok', 'monitoring', 'rule', 'scaler'], extends: ['ChartProps'] },
  FleetInterlokProps: { keys: ['autoscaler', 'dashboard', 'scaleOn'], extends: ['InterlokDeploymentProps'] },
  InterlokDeploymentProps: { keys: ['config', 'deregistration', 'exposeJmx', 'extraJavaOptions', 'heap', 'image', 'metricsSource', 'name', 'namespace', 'pushgateway', 'replicas', 'resources', 'runAsUser'] },
  InterlokConfigFiles: { keys: ['adapterXml', 'bootstrapProperties'] },
  PushgatewayEnvProps: { keys: ['dnsCacheTtl', 'endpoint', 'extraJavaOptions', 'podNamespace'] },
  AdapterRuleProps: { keys: ['external', 'externalMetricName', 'metricName', 'metricsSource', 'namespaceLabel', 'podLabel', 'scrapeInterval', 'seriesName', 'staleAfter'] },
  AutoscalerOptions: { keys: ['averageValue', 'maxReplicas', 'metric', 'metricName', 'minReplicas', 'name', 'scaleDown', 'scaleUp'] },
  MessageMetricsHpaProps: { keys: ['rule', 'target'], extends: ['AutoscalerOptions'] },
  ScalingRules: { keys: ['policies', 'stabilizationWindow'] },
  KedaFallback: { keys: ['behavior', 'failureThreshold', 'replicas'] },
  KedaOptions: { keys: ['activationThreshold', 'adoptHpa', 'cooldownPeriod', 'fallback', 'maxReplicaCount', 'minReplicaCount', 'name', 'pollingInterval', 'scaleDown', 'scaleUp', 'serverAddress', 'threshold'] },
  KedaScaledObjectProps: { keys: ['rule', 'serverAddress', 'target'], extends: ['KedaOptions'] },
  KedaScalerOptions: { keys: ['operatorPeer'], extends: ['KedaOptions'] },
  InterlokLoadJobProps: { keys: ['count', 'interlok'] },
  ExistingNamespacesProps: { keys: ['names'] },
  ExistingEndpointsProps: { keys: ['prometheusUrls', 'pushgateways'] },
  GrafanaDashboardProps: { keys: ['hpa', 'namespace'] },
  KubePrometheusStackOptions: { keys: ['interval', 'namespace', 'prometheusPeer', 'prometheusUrl', 'release'] },
  MonitoringStackProps: { keys: ['adapter', 'adapterOptions', 'allowPushFrom', 'allowQueryFrom', 'allowScrapeFrom', 'apiServiceTls', 'createNamespace', 'existingPrometheusUrl', 'existingPushgateway', 'kubePrometheusStack', 'namespace', 'networkPolicies', 'prometheus', 'pushgateway', 'relistInterval', 'scrapeInterval', 'scrapePods'] },
  PodMonitorProps: { keys: ['honorLabels', 'interval', 'name', 'namespace', 'namespaces', 'path', 'port', 'release', 'selector'] },
  ServiceMonitorProps: { keys: ['interval', 'name', 'namespace', 'namespaces', 'path', 'port', 'release', 'selector'] },
  PrometheusAdapterOptions: { keys: ['externalMetrics', 'hostNetwork', 'priorityClassName', 'replicas'] },
  PrometheusAdapterProps: { keys: ['image', 'name', 'namespace', 'networkPolicy', 'prometheusUrl', 'relistInterval', 'resources', 'rules', 'scrapeInterval', 'tls'], extends: ['PrometheusAdapterOptions'] },
  PrometheusServerProps: { keys: ['image', 'name', 'namespace', 'networkPolicy', 'pushgatewayTargets', 'resources', 'retention', 'scrapeInterval', 'scrapePods'] },
  PushgatewayProps: { keys: ['allowPushFrom', 'allowScrapeFrom', 'image', 'name', 'namespace', 'networkPolicy', 'resources'] },
  ScrapedPods: { keys: ['namespace', 'path', 'podSelector', 'port'] },
  ScrapeSourceOptions: { keys: ['window', 'workflow'] },
};

/** Names users bring from elsewhere (the guide's autoscaling/v2beta1 HPA, a sibling construct's prop). */
const ALIASES: Record<string, Record<string, string>> = {
  AutoscalerOptions: {
    targetAverageValue: 'averageValue', targetValue: 'averageValue', target: 'averageValue', metricsName: 'metricName',
    minReplicaCount: 'minReplicas', maxReplicaCount: 'maxReplicas', behavior: 'scaleUp and scaleDown',
  },
  KedaOptions: { minReplicas: 'minReplicaCount', maxReplicas: 'maxReplicaCount', averageValue: 'threshold', targetAverageValue: 'threshold' },
  MonitoringStackProps: { networkPolicy: 'networkPolicies', tls: 'apiServiceTls', prometheusUrl: 'existingPrometheusUrl' },
  PrometheusServerProps: { networkPolicies: 'networkPolicy' },
  PrometheusAdapterProps: { networkPolicies: 'networkPolicy', apiServiceTls: 'tls' },
  PushgatewayProps: { networkPolicies: 'networkPolicy' },
  InterlokDeploymentProps: { javaOptions: 'extraJavaOptions', JAVA_OPTS: 'extraJavaOptions', pushgatewayEndpoint: 'pushgateway', memory: 'heap or resources.memory' },
  InterlokAutoscalingChartProps: { hpa: 'autoscaler', adapterRule: 'rule', networkPolicies: 'monitoring.networkPolicies' },
};

/** The blocks inside a Props interface (prop → its interface), for props given one level too high or low. */
const NESTED: Record<string, Record<string, string>> = {
  InterlokAutoscalingChartProps: { interlok: 'InterlokDeploymentProps', monitoring: 'MonitoringStackProps', rule: 'AdapterRuleProps', autoscaler: 'AutoscalerOptions' },
  FleetInterlokProps: { autoscaler: 'AutoscalerOptions' },
  MonitoringStackProps: { adapterOptions: 'PrometheusAdapterOptions', kubePrometheusStack: 'KubePrometheusStackOptions' },
  AutoscalerOptions: { scaleUp: 'ScalingRules', scaleDown: 'ScalingRules' },
  KedaOptions: { scaleUp: 'ScalingRules', scaleDown: 'ScalingRules', fallback: 'KedaFallback' },
};

export type PropsName = keyof typeof PROPS;

/** Every key of the interface `name`, inherited ones included. */
export function knownProps(name: string): string[] {
  const entry = PROPS[name];
  if (!entry) throw new Error(`internal: no key list for ${name}`);
  return [...entry.keys, ...(entry.extends ?? []).flatMap(knownProps)].sort();
}

/** The interfaces with a declared key list. */
export function declaredProps(): Record<string, { keys: readonly string[]; extends: readonly string[] }> {
  return Object.fromEntries(Object.entries(PROPS).map(([k, v]) => [k, { keys: v.keys, extends: v.extends ?? [] }]));
}

function aliases(name: string): Record<string, string> {
  return Object.assign({}, ...(PROPS[name]?.extends ?? []).map(aliases), ALIASES[name]);
}

function nested(name: string): Record<string, string> {
  return Object.assign({}, ...(PROPS[name]?.extends ?? []).map(nested), NESTED[name]);
}

/** `hint` (one name, or names joined by " and "/" or ") with each name under `path`. */
const under = (path: string, hint: string) => hint.split(/ (and|or) /).map((w, i) => (i % 2 ? ` ${w} ` : `${path}.${w}`)).join('');

/**
 * Where `key` belongs in a block inside the interface `name` (`averageValue` on an Interlok of a fleet:
 * `autoscaler.averageValue`): the shallowest blocks that have it as a prop or alias (`exact`), or else a prop within
 * an edit distance of 2; several as "a or b".
 */
function nestedHint(key: string, name: string, exact: boolean): string | undefined {
  let blocks = Object.entries(nested(name));
  for (let depth = 0; depth < 3 && blocks.length > 0; depth++) {
    const hits: Array<[string, number]> = blocks.flatMap(([path, iface]): Array<[string, number]> => {
      if (exact) {
        if (knownProps(iface).includes(key)) return [[`${path}.${key}`, 0]];
        const alias = aliases(iface);
        return Object.prototype.hasOwnProperty.call(alias, key) ? [[under(path, alias[key]), 0]] : [];
      }
      const near = suggest(key, knownProps(iface));
      return near === undefined ? [] : [[`${path}.${near}`, editDistance(key, near)]];
    });
    const best = Math.min(...hits.map(([, d]) => d));
    const found = [...new Set(hits.filter(([, d]) => d === best).map(([h]) => h))];
    if (found.length > 0) return found.join(' or ');
    blocks = blocks.flatMap(([path, iface]) => Object.entries(nested(iface)).map(([p, i]) => [`${path}.${p}`, i] as [string, string]));
  }
  return undefined;
}

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest known key within an edit distance of 2 (or a declared alias), if any. */
export function suggest(key: string, known: string[], aliasMap: Record<string, string> = {}): string | undefined {
  if (Object.prototype.hasOwnProperty.call(aliasMap, key)) return aliasMap[key];
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const dist = editDistance(key, k);
    if (dist < bestDistance) [best, bestDistance] = [k, dist];
  }
  return best;
}

/**
 * Checks a props block: `undefined` is "not given" (returns `{}`), `null` (an empty key in a config file), an
 * array or a non-object is an error, and so is any key the interface `name` does not declare, with a did-you-mean.
 * `prop` is the user-facing name of the block ('' for a constructor's own props); messages name `prop.key`.
 */
export function checkProps<T extends object>(scope: IConstruct, prop: string, props: T | undefined | null, name: PropsName): T {
  if (props === undefined) return {} as T;
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    throw propError(scope, prop || 'props', props, `${name}: an object, or leave it out`);
  }
  const known = knownProps(name);
  for (const key of Object.keys(props)) {
    if (known.includes(key)) continue;
    // a declared alias, then a prop of a block inside this one given at this level, then a typo here or inside
    const own = aliases(name);
    const hint = Object.prototype.hasOwnProperty.call(own, key) ? own[key]
      : nestedHint(key, name, true) ?? suggest(key, known) ?? nestedHint(key, name, false);
    // a key that is no identifier (" ", "a.b") is written as JavaScript would index it
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
    const at = segment.startsWith('[') ? `${prop}${segment}` : prop ? `${prop}.${segment}` : segment;
    const meant = hint?.split(/ (and|or) /).map((w, i) => (i % 2 ? ` ${w} ` : JSON.stringify(w))).join('');
    throw propError(scope, at, (props as any)[key], `no such prop in ${name}${meant ? ` (did you mean ${meant}?)` : ` (known: ${known.join(', ')})`}`);
  }
  return props;
}
