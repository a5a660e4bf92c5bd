import { readdirSync, readFileSync, statSync } from 'fs';
import { extname, join } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { parsePromDuration } from '../core/duration';
import { AdapterRuleConfig } from './adapter-config';
import { staleAfterInQuery } from './deployment-query';
import { apiMetricName, checkRuleLoads, RuleRefusedError } from './adapter-query';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, HpaScalingRules, SimulatedHpa } from './simulation';

/**
 * Reads the manifests of any app (not only this library's): the HPAs (and the HPA KEDA creates for each
 * ScaledObject), the Deployments they scale, the prometheus-adapter rules found in ConfigMaps, and the scrape
 * interval of a Prometheus config that scrapes a pushgateway. Used by the CLI's `explain`, `simulate` and `doctor`.
 */

export type Manifest = Record<string, any>;

/** The objects of the files `kubectl apply -f DIR` takes: the directory's own .yaml, .yml and .json files. */
export function readManifests(path: string): Manifest[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .sort()
        .map((f) => join(path, f))
        .filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f)) && statSync(f).isFile())
    : [path];
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf-8'))
      .map((d) => d.toJSON())
      .filter((o) => o && typeof o === 'object' && o.kind),
  );
}

/** An adapter rule found in the manifests, with where it came from. */
export interface FoundRule {
  readonly rule: AdapterRuleConfig;
  readonly external: boolean;
  /** `ConfigMap <ns>/<name> <key> rules[0]` */
  readonly source: string;
  /** Why the adapter would refuse it when it loads its config; undefined when it loads. */
  readonly refused?: string;
}

/** Every adapter config in ConfigMaps: a data value that parses to an object with `rules` or `externalRules`. */
export function findAdapterRules(objects: Manifest[]): FoundRule[] {
  const found: FoundRule[] = [];
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const [key, text] of Object.entries<string>(cm.data ?? {})) {
      let config: any;
      try {
        config = parse(text);
      } catch {
        continue;
      }
      if (
        !config ||
        typeof config !== 'object' ||
        (!Array.isArray(config.rules) && !Array.isArray(config.externalRules))
      )
        continue;
      const where = `ConfigMap ${cm.metadata?.namespace ?? 'default'}/${cm.metadata?.name} ${key}`;
      for (const [list, external] of [
        ['rules', false],
        ['externalRules', true],
      ] as const) {
        (config[list] ?? []).forEach((rule: AdapterRuleConfig, i: number) => {
          let refused: string | undefined;
          try {
            checkRuleLoads(rule);
          } catch (e) {
            if (e instanceof RuleRefusedError) refused = e.message;
            else throw e;
          }
          found.push({ rule, external, source: `${where} ${list}[${i}]`, refused });
        });
      }
    }
  }
  return found;
}

/**
 * The series names a seriesQuery can select, when it names them (`Name{...}`, `{__name__="Name"}`,
 * `{__name__=~"Name"}`).
 */
export function seriesNames(seriesQuery: string): string[] {
  const bare = /^\s*([A-Za-z_:][\w:]*)\s*(\{|$)/.exec(seriesQuery);
  if (bare) return [bare[1]!];
  const byName = /__name__\s*=~?\s*"([A-Za-z_:][\w:]*)"/.exec(seriesQuery);
  return byName ? [byName[1]!] : [];
}

/** The rule serving a metric name, and the series it reads. */
export function ruleForMetric(
  rules: FoundRule[],
  metric: string,
  external: boolean,
): { found: FoundRule; series: string } | undefined {
  for (const found of rules.filter((r) => r.external === external)) {
    for (const series of seriesNames(found.rule.seriesQuery)) {
      try {
        if (apiMetricName(found.rule, series) === metric) return { found, series };
      } catch {
        /* a refused name mapping: reported with the rule */
      }
    }
    if (found.rule.name?.as === metric) return { found, series: seriesNames(found.rule.seriesQuery)[0] ?? metric };
  }
  return undefined;
}

/**
 * The stale window in seconds of a rule (or of a query, such as a KEDA trigger's) whose query has the
 * `time() - push_time_seconds < bool N` test.
 */
export function staleAfterOf(rule: AdapterRuleConfig | string): number | undefined {
  return staleAfterInQuery(typeof rule === 'string' ? rule : rule.metricsQuery);
}

/** One metric of an HPA. */
export interface HpaMetric {
  readonly type: string;
  readonly name?: string;
  readonly selector?: {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
  };
  readonly targetType?: string;
  readonly target?: number;
  /** The KEDA trigger behind the metric, for the HPA of a ScaledObject: KEDA's metrics server runs its query. */
  readonly kedaTrigger?: KedaTrigger;
}

/** A ScaledObject's trigger, as KEDA's HPA reads it (one External metric per trigger). */
export interface KedaTrigger {
  readonly type: string;
  /** `ScaledObject <ns>/<name> triggers[<i>]` */
  readonly source: string;
  /** The prometheus trigger's PromQL, which must return one element (KEDA's HPA reads it as the Deployment's total). */
  readonly query?: string;
  readonly serverAddress?: string;
}

/** An autoscaling/v2 HPA as read from its manifest. */
export interface FoundHpa {
  readonly name: string;
  readonly namespace: string;
  readonly target: { kind: string; name: string };
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: HpaMetric[];
  readonly scaleUp: HpaScalingRules;
  readonly scaleDown: HpaScalingRules;
  /** The Deployment's pod labels, when the Deployment is in the manifests. */
  readonly podLabels?: Record<string, string>;
  /** `<ns>/<name>` of the ScaledObject, when this is the HPA KEDA creates for one. */
  readonly scaledObject?: string;
}

/** Parses a Kubernetes quantity ("100", "500m", "1k", "1Ki"). */
export function quantity(q: unknown): number {
  const m = /^([+-]?\d*\.?\d+(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(String(q).trim());
  if (!m) throw new Error(`not a quantity: ${q}`);
  const f: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return Number(m[1]) * (m[2] ? f[m[2]]! : 1);
}

function rules(spec: any, defaults: HpaScalingRules): HpaScalingRules {
  return {
    stabilizationWindowSeconds: spec?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: spec?.selectPolicy ?? defaults.selectPolicy,
    policies: (spec?.policies ?? defaults.policies).map((p: any) => ({
      type: p.type,
      value: Number(p.value),
      periodSeconds: Number(p.periodSeconds),
    })),
  };
}

const podLabelsOf = (
  objects: Manifest[],
  target: { kind: string; name: string },
  namespace: string,
): Record<string, string> | undefined =>
  objects.find(
    (d) =>
      d.kind === target.kind && d.metadata?.name === target.name && (d.metadata?.namespace ?? 'default') === namespace,
  )?.spec?.template?.metadata?.labels;

/**
 * Every HPA (autoscaling/v2 and v2beta2, which have the same shape), then the HPA KEDA creates for each
 * `keda.sh/v1alpha1` ScaledObject.
 */
export function readHpas(objects: Manifest[]): FoundHpa[] {
  return [...readV2Hpas(objects), ...readScaledObjects(objects)];
}

function readV2Hpas(objects: Manifest[]): FoundHpa[] {
  return objects
    .filter((o) => o.kind === 'HorizontalPodAutoscaler' && /^autoscaling\/v2(beta2)?$/.test(o.apiVersion))
    .map((o) => {
      const namespace = o.metadata?.namespace ?? 'default';
      const target = { kind: o.spec.scaleTargetRef?.kind, name: o.spec.scaleTargetRef?.name };
      return {
        name: o.metadata.name,
        namespace,
        target,
        minReplicas: o.spec.minReplicas ?? 1,
        maxReplicas: o.spec.maxReplicas,
        metrics: (o.spec.metrics ?? []).map((m: any): HpaMetric => {
          const source =
            m.type === 'External'
              ? m.external
              : m.type === 'Pods'
                ? m.pods
                : m.type === 'Object'
                  ? m.object
                  : m.resource;
          const t = source?.target ?? {};
          const value = t.averageValue ?? t.value ?? t.averageUtilization;
          return {
            type: m.type,
            name: source?.metric?.name ?? source?.name,
            selector: source?.metric?.selector,
            targetType: t.type,
            target: value === undefined ? undefined : quantity(value),
          };
        }),
        scaleUp: rules(o.spec.behavior?.scaleUp, DEFAULT_SCALE_UP),
        scaleDown: rules(o.spec.behavior?.scaleDown, DEFAULT_SCALE_DOWN),
        podLabels: podLabelsOf(objects, target, namespace),
      };
    });
}

/**
 * The HPA KEDA's operator creates for a ScaledObject: named `keda-hpa-<name>` (or
 * `advanced.horizontalPodAutoscalerConfig.name`), one External metric per trigger (`s<i>-<type>`, selected by the
 * ScaledObject's name) whose target is the trigger's `threshold`, as an AverageValue unless the trigger's
 * `metricType` says otherwise; minReplicas `minReplicaCount` (at least 1: KEDA itself scales 0 ↔ 1), maxReplicas
 * `maxReplicaCount` (KEDA's default 100), `behavior` from `advanced.horizontalPodAutoscalerConfig`.
 */
function readScaledObjects(objects: Manifest[]): FoundHpa[] {
  return objects
    .filter((o) => o.kind === 'ScaledObject' && /^keda\.sh\//.test(o.apiVersion ?? ''))
    .map((o) => {
      const name: string = o.metadata?.name;
      const namespace = o.metadata?.namespace ?? 'default';
      const spec = o.spec ?? {};
      const target = { kind: spec.scaleTargetRef?.kind ?? 'Deployment', name: spec.scaleTargetRef?.name };
      const hpaConfig = spec.advanced?.horizontalPodAutoscalerConfig ?? {};
      const metrics = (Array.isArray(spec.triggers) ? spec.triggers : []).map((t: any, i: number): HpaMetric => {
        const threshold = t?.metadata?.threshold;
        let value: number | undefined;
        try {
          value = threshold === undefined ? undefined : quantity(threshold);
        } catch {
          value = undefined;
        }
        return {
          type: 'External',
          name: `s${i}-${t?.type}`,
          selector: { matchLabels: { 'scaledobject.keda.sh/name': name } },
          targetType: t?.metricType ?? 'AverageValue',
          target: value,
          kedaTrigger: {
            type: t?.type,
            source: `ScaledObject ${namespace}/${name} triggers[${i}]`,
            query: t?.metadata?.query,
            serverAddress: t?.metadata?.serverAddress,
          },
        };
      });
      return {
        name: hpaConfig.name ?? `keda-hpa-${name}`,
        namespace,
        target,
        minReplicas: Math.max(1, Number(spec.minReplicaCount ?? 0)),
        maxReplicas: Number(spec.maxReplicaCount ?? 100),
        metrics,
        scaleUp: rules(hpaConfig.behavior?.scaleUp, DEFAULT_SCALE_UP),
        scaleDown: rules(hpaConfig.behavior?.scaleDown, DEFAULT_SCALE_DOWN),
        podLabels: podLabelsOf(objects, target, namespace),
        scaledObject: `${namespace}/${name}`,
      };
    });
}

/** The HPA as the simulation needs it, for its one External or Pods AverageValue metric. */
export function simulatedHpa(hpa: FoundHpa): SimulatedHpa {
  const m = hpa.metrics.find(
    (x) => (x.type === 'External' || x.type === 'Pods') && x.targetType === 'AverageValue' && x.target !== undefined,
  );
  if (!m)
    throw new Error(`HPA ${hpa.namespace}/${hpa.name} has no External or Pods metric with an AverageValue target`);
  return {
    metricType: m.type as 'External' | 'Pods',
    target: m.target!,
    minReplicas: hpa.minReplicas,
    maxReplicas: hpa.maxReplicas,
    scaleUp: hpa.scaleUp,
    scaleDown: hpa.scaleDown,
  };
}

/**
 * The scrape interval (seconds) of the job that scrapes a pushgateway with honor_labels, from a Prometheus config in a
 * ConfigMap.
 */
export function pushgatewayScrapeInterval(objects: Manifest[]): number | undefined {
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const text of Object.values<string>(cm.data ?? {})) {
      let config: any;
      try {
        config = parse(text);
      } catch {
        continue;
      }
      if (!config || !Array.isArray(config.scrape_configs)) continue;
      const global = config.global?.scrape_interval ?? '1m';
      const job = config.scrape_configs.find((j: any) => j.honor_labels === true) ?? config.scrape_configs[0];
      if (job) return parsePromDuration(job.scrape_interval ?? global);
    }
  }
  return undefined;
}
