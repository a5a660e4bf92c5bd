import { AdapterRuleConfig } from './adapter-config';
import { apiMetricName, buildMetricsQuery, checkRuleLoads, LabelRequirement } from './adapter-query';
import { GoTemplate } from './go-template';

/**
 * prometheus-adapter v0.12's custom-metrics discovery (`pkg/custom-provider/series_registry.go` with
 * `pkg/naming/resource_converter.go`): which resources and API names the series a rule's seriesQuery found are
 * registered under, and the query each request runs. Resources are looked up in a list that plays the API
 * server's REST mapper.
 */

/** One API resource as the REST mapper knows it. */
export interface ApiResource {
  readonly group: string;
  /** The plural, as in the API (`pods`). */
  readonly resource: string;
  readonly singular: string;
  readonly namespaced: boolean;
}

/** The core resources every cluster serves that rules usually map labels to. */
export const CORE_RESOURCES: ApiResource[] = [
  { group: '', resource: 'pods', singular: 'pod', namespaced: true },
  { group: '', resource: 'services', singular: 'service', namespaced: true },
  { group: '', resource: 'namespaces', singular: 'namespace', namespaced: false },
  { group: '', resource: 'nodes', singular: 'node', namespaced: false },
  { group: '', resource: 'persistentvolumes', singular: 'persistentvolume', namespaced: false },
  { group: 'apps', resource: 'deployments', singular: 'deployment', namespaced: true },
];

/** A series as `/api/v1/series` returns it. */
export interface Series {
  readonly name: string;
  readonly labels: Record<string, string>;
}

/** A metric the adapter serves: `provider.CustomMetricInfo`. */
export interface CustomMetricInfo {
  readonly group: string;
  readonly resource: string;
  readonly namespaced: boolean;
  readonly metric: string;
}

interface Entry {
  readonly info: CustomMetricInfo;
  readonly series: string;
  readonly rule: AdapterRuleConfig;
}

/** The registry the adapter fills on each relist. */
export class SeriesRegistry {
  private entries = new Map<string, Entry>();

  /** Throws RuleRefusedError for a rule the adapter would refuse to load. */
  constructor(
    private readonly rules: AdapterRuleConfig[],
    private readonly resources: ApiResource[] = CORE_RESOURCES,
  ) {
    rules.forEach(checkRuleLoads);
  }

  /** SetSeries: `seriesByRule[i]` is what rule i's seriesQuery returned. */
  public setSeries(seriesByRule: Series[][]): void {
    const next = new Map<string, Entry>();
    seriesByRule.forEach((list, i) => {
      const rule = this.rules[i]!;
      for (const s of list) {
        const metric = apiMetricName(rule, s.name);
        if (metric === undefined) continue;
        const { resources, namespaced } = this.resourcesForSeries(rule, s);
        for (const r of resources) {
          const isRoot = r.resource === 'namespaces' || r.resource === 'nodes' || r.resource === 'persistentvolumes';
          const info = { group: r.group, resource: r.resource, namespaced: isRoot ? false : namespaced, metric };
          next.set(key(info), { info, series: s.name, rule });
        }
      }
    });
    this.entries = next;
  }

  public listAllMetrics(): CustomMetricInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  /**
   * QueryForMetric: the resource may be given singular or plural, with or without its group; undefined when the
   * metric is not registered for it.
   */
  public queryForMetric(
    info: { readonly group?: string; readonly resource: string; readonly namespaced: boolean; readonly metric: string },
    namespace: string,
    selector: LabelRequirement[],
    names: string[],
  ): string | undefined {
    const r = this.lookup(info.group ?? '', info.resource);
    if (!r) return undefined;
    const entry = this.entries.get(
      key({ group: r.group, resource: r.resource, namespaced: info.namespaced, metric: info.metric }),
    );
    if (!entry) return undefined;
    return buildMetricsQuery(entry.rule.metricsQuery, {
      series: entry.series,
      resourceLabel: this.labelFor(entry.rule, r),
      namespaceLabel: namespace === '' ? undefined : this.labelFor(entry.rule, this.lookup('', 'namespace')!),
      namespace,
      names,
      selector,
    });
  }

  private lookup(group: string, resource: string): ApiResource | undefined {
    return this.resources.find(
      (r) => (r.resource === resource || r.singular === resource) && (group === '' || r.group === group),
    );
  }

  private labelFor(rule: AdapterRuleConfig, r: ApiResource): string {
    const override = Object.entries(rule.resources.overrides ?? {}).find(
      ([, v]) => this.lookup(v.group ?? '', v.resource) === r,
    );
    if (override) return override[0];
    if (!rule.resources.template) throw new Error('no generic resource label form specified for this metric');
    return GoTemplate.parse('label-template', rule.resources.template).execute({
      Group: r.group.replace(/\./g, '_'),
      Resource: r.singular,
    });
  }

  /** ResourcesForSeries: overrides first, then labels the template's pattern matches, known to the mapper. */
  private resourcesForSeries(rule: AdapterRuleConfig, s: Series): { resources: ApiResource[]; namespaced: boolean } {
    const found: ApiResource[] = [];
    let namespaced = false;
    const pattern = rule.resources.template
      ? new RegExp(
          `^${GoTemplate.parse('label-template', rule.resources.template)
            .execute({ Group: '\u0000G\u0000', Resource: '\u0000R\u0000' })
            .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
            .replace('\u0000G\u0000', '(?<group>.+?)')
            .replace('\u0000R\u0000', '(?<resource>.+?)')}$`,
        )
      : undefined;
    for (const label of Object.keys(s.labels)) {
      let r: ApiResource | undefined;
      const override = rule.resources.overrides?.[label];
      if (override) r = this.lookup(override.group ?? '', override.resource);
      else if (pattern) {
        const m = pattern.exec(label);
        if (m) r = this.lookup((m.groups?.group ?? '').replace(/_/g, '.'), m.groups!.resource!);
      }
      if (!r) continue;
      if (r.resource === 'namespaces') namespaced = true;
      if (!found.includes(r)) found.push(r);
    }
    return { resources: found, namespaced };
  }
}

function key(i: CustomMetricInfo): string {
  return `${i.group}/${i.resource}/${i.namespaced}/${i.metric}`;
}
