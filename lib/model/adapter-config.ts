// The adapter's configuration as data: the model reads it, the AdapterRule construct writes it.

/** One prometheus-adapter v0.12 discovery rule, exactly as its strict config parser expects it. */
export interface AdapterRuleConfig {
  readonly seriesQuery: string;
  /** Each drops series by name: exactly one of `is` and `isNot` (Go regexps). */
  readonly seriesFilters?: ReadonlyArray<{ readonly is?: string; readonly isNot?: string }>;
  readonly resources: {
    readonly overrides?: Record<string, { readonly group?: string; readonly resource: string }>;
    /** A Go template of `.Group` and `.Resource` giving a resource's label (`kube_<<.Resource>>`). */
    readonly template?: string;
    readonly namespaced?: boolean;
  };
  readonly name: { readonly matches: string; readonly as: string };
  readonly metricsQuery: string;
}

/** The adapter's whole `config.yaml`: Pods rules under `rules`, External rules under `externalRules`. */
export interface AdapterConfig {
  readonly rules: AdapterRuleConfig[];
  readonly externalRules?: AdapterRuleConfig[];
}
