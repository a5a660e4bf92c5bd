import { IConstruct } from 'constructs';
import type { ChartProps } from 'cdk8s';
import type { AdapterRuleProps } from './adapter-rule';
import type { ExistingEndpointsProps } from './existing-endpoints';
import type { ExistingNamespacesProps } from './existing-namespaces';
import type { FleetInterlokProps, InterlokAutoscalingChartProps } from './interlok-autoscaling-chart';
import type { InterlokConfigFiles, InterlokDeploymentProps } from './interlok-deployment';
import type { KedaFallback, KedaOptions, KedaScaledObjectProps } from './keda-scaled-object';
import type { InterlokLoadJobProps } from './load-job';
import type { LoadJobOptions } from './interlok-autoscaling-chart';
import type { MonitoringNamesProps } from './monitoring/monitoring-names';
import type { AutoscalerOptions, MessageMetricsHpaProps, ScalingRules } from './message-metrics-hpa';
import type { ScrapeSourceOptions } from './metrics-source';
import type { GrafanaDashboardProps } from './monitoring/grafana-dashboard';
import type { KubePrometheusStackOptions, MonitoringStackProps } from './monitoring/monitoring-stack';
import type { PodMonitorProps } from './monitoring/pod-monitor';
import type { PrometheusAdapterOptions, PrometheusAdapterProps } from './monitoring/prometheus-adapter';
import type { PrometheusServerProps, ScrapedPods } from './monitoring/prometheus-server';
import type { PushgatewayProps } from './monitoring/pushgateway';
import type { ServiceMonitorProps } from './monitoring/service-monitor';
import type { PushgatewayEnvProps } from './pushgateway-env';
import type { KedaScalerOptions } from './scaler';
import { propError } from './_checks';
import { ValidationError } from './core/errors';
import { editDistance, suggest } from './core/suggest';

export { suggest };

/**
 * The own keys of the interface T (those not inherited from P), as a table the compiler checks against T: a key
 * missing from the table, or one T does not declare, is a type error, so the list cannot drift from the interface.
 */
type KeyTable<T, P = object> = { readonly [K in Exclude<keyof T, keyof P>]-?: 1 };
function own<T, P = object>(table: KeyTable<T, P>): readonly string[] {
  return Object.keys(table);
}

/**
 * The keys of every Props interface, declared once (typed by the interface, above): the constructs reject any
 * other key at runtime (JavaScript users and `npm run synth`, which does not type-check, would otherwise see a
 * typo silently ignored). `extends` lists the interfaces whose keys are inherited.
 */
const PROPS = {
  ChartProps: { keys: own<ChartProps>({ disableResourceNameHashes: 1, labels: 1, namespace: 1 }) },
  InterlokAutoscalingChartProps: {
    keys: own<InterlokAutoscalingChartProps, ChartProps>({
      autoscaler: 1,
      dashboard: 1,
      existingNamespaces: 1,
      interlok: 1,
      monitoring: 1,
      rule: 1,
      scaler: 1,
    }),
    extends: ['ChartProps'],
  },
  FleetInterlokProps: {
    keys: own<FleetInterlokProps, InterlokDeploymentProps>({ autoscaler: 1, dashboard: 1, scaleOn: 1 }),
    extends: ['InterlokDeploymentProps'],
  },
  InterlokDeploymentProps: {
    keys: own<InterlokDeploymentProps>({
      config: 1,
      createNamespace: 1,
      deregistration: 1,
      exposeJmx: 1,
      extraJavaOptions: 1,
      heap: 1,
      image: 1,
      metricsSource: 1,
      name: 1,
      namespace: 1,
      pushgateway: 1,
      replicas: 1,
      resources: 1,
      runAsUser: 1,
    }),
  },
  InterlokConfigFiles: { keys: own<InterlokConfigFiles>({ adapterXml: 1, bootstrapProperties: 1 }) },
  PushgatewayEnvProps: {
    keys: own<PushgatewayEnvProps>({ dnsCacheTtl: 1, endpoint: 1, extraJavaOptions: 1, podNamespace: 1 }),
  },
  AdapterRuleProps: {
    keys: own<AdapterRuleProps>({
      external: 1,
      externalMetricName: 1,
      metricName: 1,
      metricsSource: 1,
      namespaceLabel: 1,
      podLabel: 1,
      scrapeInterval: 1,
      seriesName: 1,
      staleAfter: 1,
    }),
  },
  AutoscalerOptions: {
    keys: own<AutoscalerOptions>({
      averageValue: 1,
      maxReplicas: 1,
      metric: 1,
      metricName: 1,
      minReplicas: 1,
      name: 1,
      scaleDown: 1,
      scaleUp: 1,
    }),
  },
  MessageMetricsHpaProps: {
    keys: own<MessageMetricsHpaProps, AutoscalerOptions>({ rule: 1, target: 1 }),
    extends: ['AutoscalerOptions'],
  },
  ScalingRules: { keys: own<ScalingRules>({ policies: 1, stabilizationWindow: 1 }) },
  KedaFallback: { keys: own<KedaFallback>({ behavior: 1, failureThreshold: 1, replicas: 1 }) },
  KedaOptions: {
    keys: own<KedaOptions>({
      activationThreshold: 1,
      adoptHpa: 1,
      cooldownPeriod: 1,
      fallback: 1,
      maxReplicaCount: 1,
      minReplicaCount: 1,
      name: 1,
      pollingInterval: 1,
      scaleDown: 1,
      scaleUp: 1,
      serverAddress: 1,
      threshold: 1,
    }),
  },
  KedaScaledObjectProps: {
    keys: own<KedaScaledObjectProps, KedaOptions>({ rule: 1, target: 1 }),
    extends: ['KedaOptions'],
  },
  KedaScalerOptions: { keys: own<KedaScalerOptions, KedaOptions>({ operatorPeer: 1 }), extends: ['KedaOptions'] },
  InterlokLoadJobProps: { keys: own<InterlokLoadJobProps>({ count: 1, interlok: 1 }) },
  LoadJobOptions: { keys: own<LoadJobOptions>({ count: 1, interlok: 1, outdir: 1 }) },
  ExistingNamespacesProps: { keys: own<ExistingNamespacesProps>({ names: 1 }) },
  MonitoringNamesProps: {
    keys: own<MonitoringNamesProps>({ adapter: 1, createNamespace: 1, namespace: 1, prometheus: 1, pushgateway: 1 }),
  },
  ExistingEndpointsProps: { keys: own<ExistingEndpointsProps>({ prometheusUrls: 1, pushgateways: 1 }) },
  GrafanaDashboardProps: { keys: own<GrafanaDashboardProps>({ hpa: 1, kubeStateMetrics: 1, namespace: 1 }) },
  KubePrometheusStackOptions: {
    keys: own<KubePrometheusStackOptions>({
      interval: 1,
      namespace: 1,
      prometheusPeer: 1,
      prometheusUrl: 1,
      release: 1,
    }),
  },
  MonitoringStackProps: {
    keys: own<MonitoringStackProps>({
      adapter: 1,
      adapterOptions: 1,
      allowPushFrom: 1,
      allowQueryFrom: 1,
      allowScrapeFrom: 1,
      apiServiceTls: 1,
      createNamespace: 1,
      existingPrometheusUrl: 1,
      existingPushgateway: 1,
      kubePrometheusStack: 1,
      names: 1,
      namespace: 1,
      networkPolicies: 1,
      prometheus: 1,
      pushgateway: 1,
      relistInterval: 1,
      scrapeInterval: 1,
      scrapePods: 1,
    }),
  },
  PodMonitorProps: {
    keys: own<PodMonitorProps>({
      honorLabels: 1,
      interval: 1,
      name: 1,
      namespace: 1,
      namespaces: 1,
      path: 1,
      port: 1,
      release: 1,
      selector: 1,
    }),
  },
  ServiceMonitorProps: {
    keys: own<ServiceMonitorProps>({
      interval: 1,
      name: 1,
      namespace: 1,
      namespaces: 1,
      path: 1,
      port: 1,
      release: 1,
      selector: 1,
    }),
  },
  PrometheusAdapterOptions: {
    keys: own<PrometheusAdapterOptions>({
      externalMetrics: 1,
      hostNetwork: 1,
      nodeCidrs: 1,
      priorityClassName: 1,
      replicas: 1,
      securePort: 1,
    }),
  },
  PrometheusAdapterProps: {
    keys: own<PrometheusAdapterProps, PrometheusAdapterOptions>({
      image: 1,
      name: 1,
      namespace: 1,
      networkPolicy: 1,
      prometheusUrl: 1,
      relistInterval: 1,
      resources: 1,
      rules: 1,
      scrapeInterval: 1,
      tls: 1,
    }),
    extends: ['PrometheusAdapterOptions'],
  },
  PrometheusServerProps: {
    keys: own<PrometheusServerProps>({
      image: 1,
      name: 1,
      namespace: 1,
      networkPolicy: 1,
      pushgatewayTargets: 1,
      resources: 1,
      retention: 1,
      scrapeInterval: 1,
      scrapePods: 1,
    }),
  },
  PushgatewayProps: {
    keys: own<PushgatewayProps>({
      allowPushFrom: 1,
      allowScrapeFrom: 1,
      image: 1,
      name: 1,
      namespace: 1,
      networkPolicy: 1,
      resources: 1,
    }),
  },
  ScrapedPods: { keys: own<ScrapedPods>({ namespace: 1, path: 1, podSelector: 1, port: 1 }) },
  ScrapeSourceOptions: { keys: own<ScrapeSourceOptions>({ window: 1, workflow: 1 }) },
} satisfies Record<string, { readonly keys: readonly string[]; readonly extends?: readonly string[] }>;

/** Names users bring from elsewhere (the guide's autoscaling/v2beta1 HPA, a sibling construct's prop). */
const ALIASES: Record<string, Record<string, string>> = {
  AutoscalerOptions: {
    targetAverageValue: 'averageValue',
    targetValue: 'averageValue',
    target: 'averageValue',
    metricsName: 'metricName',
    minReplicaCount: 'minReplicas',
    maxReplicaCount: 'maxReplicas',
    behavior: 'scaleUp and scaleDown',
  },
  KedaOptions: {
    minReplicas: 'minReplicaCount',
    maxReplicas: 'maxReplicaCount',
    averageValue: 'threshold',
    targetAverageValue: 'threshold',
  },
  MonitoringStackProps: {
    networkPolicy: 'networkPolicies',
    tls: 'apiServiceTls',
    prometheusUrl: 'existingPrometheusUrl',
  },
  PrometheusServerProps: { networkPolicies: 'networkPolicy' },
  PrometheusAdapterProps: { networkPolicies: 'networkPolicy', apiServiceTls: 'tls' },
  PushgatewayProps: { networkPolicies: 'networkPolicy' },
  InterlokDeploymentProps: {
    javaOptions: 'extraJavaOptions',
    JAVA_OPTS: 'extraJavaOptions',
    pushgatewayEndpoint: 'pushgateway',
    memory: 'heap or resources.memory',
  },
  InterlokAutoscalingChartProps: {
    hpa: 'autoscaler',
    adapterRule: 'rule',
    networkPolicies: 'monitoring.networkPolicies',
  },
};

/** The blocks inside a Props interface (prop → its interface), for props given one level too high or low. */
const NESTED: Record<string, Record<string, string>> = {
  InterlokAutoscalingChartProps: {
    interlok: 'InterlokDeploymentProps',
    monitoring: 'MonitoringStackProps',
    rule: 'AdapterRuleProps',
    autoscaler: 'AutoscalerOptions',
  },
  FleetInterlokProps: { autoscaler: 'AutoscalerOptions' },
  MonitoringStackProps: {
    adapterOptions: 'PrometheusAdapterOptions',
    kubePrometheusStack: 'KubePrometheusStackOptions',
  },
  AutoscalerOptions: { scaleUp: 'ScalingRules', scaleDown: 'ScalingRules' },
  KedaOptions: { scaleUp: 'ScalingRules', scaleDown: 'ScalingRules', fallback: 'KedaFallback' },
};

export type PropsName = keyof typeof PROPS;

/** Every key of the interface `name`, inherited ones included. */
export function knownProps(name: string): string[] {
  const entry: { keys: readonly string[]; extends?: readonly string[] } | undefined = (PROPS as Record<string, any>)[
    name
  ];
  if (!entry) throw new Error(`internal: no key list for ${name}`);
  return [...new Set([...entry.keys, ...(entry.extends ?? []).flatMap(knownProps)])].sort();
}

function aliases(name: string): Record<string, string> {
  return Object.assign({}, ...((PROPS as Record<string, any>)[name]?.extends ?? []).map(aliases), ALIASES[name]);
}

function nested(name: string): Record<string, string> {
  return Object.assign({}, ...((PROPS as Record<string, any>)[name]?.extends ?? []).map(nested), NESTED[name]);
}

/** `hint` (one name, or names joined by " and "/" or ") with each name under `path`. */
const under = (path: string, hint: string) =>
  hint
    .split(/ (and|or) /)
    .map((w, i) => (i % 2 ? ` ${w} ` : `${path}.${w}`))
    .join('');

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
    blocks = blocks.flatMap(([path, iface]) =>
      Object.entries(nested(iface)).map(([p, i]) => [`${path}.${p}`, i] as [string, string]),
    );
  }
  return undefined;
}

/**
 * Checks a props block: `undefined` is "not given" (returns `{}`), `null` (an empty key in a config file), an
 * array or a non-object is an error, and so is any key the interface `name` does not declare, with a did-you-mean.
 * `prop` is the user-facing name of the block ('' for a constructor's own props); messages name `prop.key`.
 */
export function checkProps<T extends object>(
  scope: IConstruct,
  prop: string,
  props: T | undefined | null,
  name: PropsName,
): T {
  if (props === undefined) return {} as T;
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    throw propError(scope, prop || 'props', props, `${name}: an object, or leave it out`);
  }
  const known = knownProps(name);
  // every unknown key of the block at once, one line each (ValidationError.all)
  const errors: ValidationError[] = [];
  for (const key of Object.keys(props)) {
    if (known.includes(key)) continue;
    // a declared alias, then a prop of a block inside this one given at this level, then a typo here or inside
    const own = aliases(name);
    const hint = Object.prototype.hasOwnProperty.call(own, key)
      ? own[key]
      : (nestedHint(key, name, true) ?? suggest(key, known) ?? nestedHint(key, name, false));
    // a key that is no identifier (" ", "a.b") is written as JavaScript would index it
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
    const at = segment.startsWith('[') ? `${prop}${segment}` : prop ? `${prop}.${segment}` : segment;
    const meant = hint
      ?.split(/ (and|or) /)
      .map((w, i) => (i % 2 ? ` ${w} ` : JSON.stringify(w)))
      .join('');
    errors.push(
      propError(
        scope,
        at,
        (props as any)[key],
        `no such prop in ${name}${meant ? ` (did you mean ${meant}?)` : ` (known: ${known.join(', ')})`}`,
      ),
    );
  }
  if (errors.length > 0) throw ValidationError.all(errors);
  return props;
}
