// Two ways to run it. On a live cluster (the kubeconfig's context), it walks each chain of this library's HPAs and
// ScaledObjects to the first broken link (./doctor-cluster.ts):
//   npx cdk8s-interlok-scaling doctor [--context C] [--namespace N] [--hpa NAME | --scaled-object NAME] [--json]
// With --prometheus (and --pushgateway), it checks a Prometheus reached by URL for what the adapter and the HPA need:
//   kubectl -n interlok-scaling port-forward svc/interlok-scaling-prometheus 9090:80 &
//   npx cdk8s-interlok-scaling doctor --prometheus http://localhost:9090 --namespace default
import { existsSync, readFileSync, statSync } from 'fs';
import { App, Chart, Duration } from 'cdk8s';
import { Command } from 'commander';
import { parse } from 'yaml';
import { AdapterRule, AdapterRuleConfig } from '../../lib/monitoring/adapter-rule';
import {
  apiMetricName,
  checkRuleLoads,
  labelForResource,
  podValues,
  renderMetricsQuery,
  RuleRefusedError,
  VectorSample,
} from '../../lib/model/adapter-query';
import { findAdapterRules, FoundHpa, Manifest, readHpas, readManifests, seriesNames } from '../../lib/model/manifests';
import { pushAgeQuery } from '../../lib/model/deployment-query';
import { desiredReplicas, desiredReplicasExternal } from '../../lib/model/replica-calculation';
import { CliContext } from '../context';
import { loadKubeReader } from '../kube-reader';
import { ChainReport, ClusterDoctorReport, NotFound, runClusterDoctor } from './doctor-cluster';
import { parseDuration } from '../duration';
import { CheckFailed, UsageError } from '../errors';
import { colours, table } from '../style';
import { DEFAULT_NAMES } from '../../lib/kit/monitoring-names';

// the stack's default names (MonitoringNames.guide() users: monitoring/prometheus-server,
// monitoring/prometheus-pushgateway)
const PORT_FORWARD_PROMETHEUS = `kubectl -n ${DEFAULT_NAMES.namespace} port-forward svc/${DEFAULT_NAMES.prometheus} 9090:80`;
const PORT_FORWARD_PUSHGATEWAY = `kubectl -n ${DEFAULT_NAMES.namespace} port-forward svc/${DEFAULT_NAMES.pushgateway} 9091`;

interface Options {
  readonly prometheus: string;
  readonly pushgateway?: string;
  readonly namespace: string;
  readonly context?: string;
  readonly scaledObject?: string;
  readonly pods?: string;
  readonly metric: string;
  readonly staleAfter: string;
  readonly target?: string;
  readonly minReplicas?: string;
  readonly maxReplicas?: string;
  readonly adapterConfig?: string;
  readonly manifests?: string;
  readonly hpa?: string;
  readonly json?: boolean;
}

export interface Check {
  readonly name: string;
  readonly status: 'ok' | 'fail' | 'warn';
  readonly detail: string;
  readonly fix?: string;
}

export interface DoctorReport {
  readonly checks: Check[];
  readonly pods: Array<{
    pod: string;
    group: 'fresh' | 'stale' | 'none';
    ageSeconds?: number;
    pushed?: number;
    adapterValue?: number;
  }>;
  readonly goneGroups: string[];
  readonly query?: string;
  /** What the decision uses: the HPA of --manifests (`name`, `from`), flags, or the defaults (100, 1..5). */
  readonly hpa: {
    name?: string;
    from?: string;
    metricType?: string;
    target: number;
    minReplicas: number;
    maxReplicas: number;
  };
  readonly decision?: {
    pods: { desiredReplicas: number; reason: string; average?: number };
    external: { desiredReplicas: number; reason: string; total: number };
  };
}

async function promApi(base: string, path: string, params: Record<string, string>): Promise<any> {
  const url = `${base.replace(/\/$/, '')}${path}?${new URLSearchParams(params)}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10000) });
  } catch (e) {
    throw new Error(
      `cannot reach ${base}: ${(e as any).cause?.code ?? (e as any).cause?.message ?? (e as Error).message}`,
    );
  }
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${url}: HTTP ${res.status}, not a Prometheus API answer`);
  }
  if (json.status !== 'success') throw new Error(`${path}: ${json.errorType}: ${json.error}`);
  return json.data;
}

/** The manifests given: --manifests, or --adapter-config when it holds manifests rather than a config.yaml. */
function givenManifests(opts: Options): { objects: Manifest[]; from: string; required: boolean } | undefined {
  if (opts.manifests !== undefined) {
    if (!existsSync(opts.manifests)) throw new UsageError(`--manifests: ${opts.manifests}: no such file or directory`);
    return { objects: readManifests(opts.manifests), from: opts.manifests, required: true };
  }
  if (opts.adapterConfig !== undefined && existsSync(opts.adapterConfig)) {
    return { objects: readManifests(opts.adapterConfig), from: opts.adapterConfig, required: false };
  }
  return undefined;
}

/** The HPA (or KEDA's, for a ScaledObject) of the Interlok in --namespace, from the manifests given. */
function manifestHpa(opts: Options, manifests: ReturnType<typeof givenManifests>): FoundHpa | undefined {
  if (!manifests) {
    if (opts.hpa !== undefined)
      throw new UsageError(`--hpa: got "${opts.hpa}" without --manifests, expected the manifests that hold it`);
    return undefined;
  }
  const all = readHpas(manifests.objects);
  const named = (h: FoundHpa) =>
    [h.name, `${h.namespace}/${h.name}`, h.scaledObject, h.scaledObject?.split('/')[1]].includes(opts.hpa);
  const found = all.filter((h) => h.namespace === opts.namespace && (opts.hpa === undefined || named(h)));
  const names = all.map((h) => `${h.namespace}/${h.name}`).join(', ') || 'none';
  if (found.length === 1) return found[0];
  if (found.length > 1)
    throw new UsageError(
      `--manifests: ${found.length} HPAs in namespace ${opts.namespace} (${found.map((h) => h.name).join(', ')}): choose one with --hpa`,
    );
  if (opts.hpa !== undefined)
    throw new UsageError(
      `--hpa: got "${opts.hpa}", expected one in namespace ${opts.namespace} of ${manifests.from} (it has ${names})`,
    );
  // an adapter config's manifests need not hold the HPA: then the flags and defaults apply
  if (manifests.required)
    throw new UsageError(
      `--manifests: no HPA or ScaledObject in namespace ${opts.namespace} in ${manifests.from} (it has ${names}): give the namespace with --namespace`,
    );
  return undefined;
}

/**
 * The rule to check: from --adapter-config (an adapter config.yaml, or manifests holding its ConfigMap), else from
 * the --manifests when they hold one, else this library's.
 */
function loadRule(
  opts: Options,
  staleAfter: Duration,
  manifests: ReturnType<typeof givenManifests>,
): { rule: AdapterRuleConfig; source: string } {
  const matching = (rules: AdapterRuleConfig[]) =>
    rules.find((r) => seriesNames(r.seriesQuery).includes(opts.metric) || r.name?.as === opts.metric) ?? rules[0];
  if (opts.adapterConfig) {
    if (!existsSync(opts.adapterConfig))
      throw new UsageError(`--adapter-config: ${opts.adapterConfig}: no such file or directory`);
    let rules: AdapterRuleConfig[] = [];
    if (statSync(opts.adapterConfig).isFile()) {
      let config: any;
      try {
        config = parse(readFileSync(opts.adapterConfig, 'utf-8'));
      } catch {
        /* several documents: manifests */
      }
      if (config && Array.isArray(config.rules)) rules = config.rules;
    }
    if (rules.length === 0)
      rules = findAdapterRules(manifests?.objects ?? readManifests(opts.adapterConfig))
        .filter((r) => !r.external)
        .map((r) => r.rule);
    const rule = matching(rules);
    if (!rule) throw new UsageError(`--adapter-config: ${opts.adapterConfig} holds no prometheus-adapter rules`);
    return { rule, source: opts.adapterConfig };
  }
  const own = manifests
    ? matching(
        findAdapterRules(manifests.objects)
          .filter((r) => !r.external)
          .map((r) => r.rule),
      )
    : undefined;
  if (own) return { rule: own, source: `the rule in ${manifests!.from}` };
  const rule = new AdapterRule(new Chart(new App(), 'doctor'), 'Rule', {
    seriesName: opts.metric,
    staleAfter,
  }).toConfig();
  return { rule, source: `this library's rule (stale after ${staleAfter.toSeconds()} s)` };
}

export async function runDoctor(opts: Options): Promise<DoctorReport> {
  const staleAfter = parseDuration('--stale-after', opts.staleAfter);
  const manifests = givenManifests(opts);
  const found = manifestHpa(opts, manifests);
  const metric = found?.metrics.find(
    (m) => (m.type === 'External' || m.type === 'Pods') && m.targetType === 'AverageValue' && m.target !== undefined,
  );
  // flags first, then the HPA of the manifests, then the library's defaults
  const target = Number(opts.target ?? metric?.target ?? 100);
  if (!(target > 0)) throw new UsageError(`--target: got "${opts.target}", expected a positive number`);
  const minReplicas = Number(opts.minReplicas ?? found?.minReplicas ?? 1);
  const maxReplicas = Number(opts.maxReplicas ?? found?.maxReplicas ?? 5);
  if (
    !Number.isInteger(minReplicas) ||
    !Number.isInteger(maxReplicas) ||
    minReplicas < 1 ||
    maxReplicas < minReplicas
  ) {
    throw new UsageError(
      `--min-replicas/--max-replicas: got ${minReplicas}/${maxReplicas}, expected whole numbers 1 <= min <= max`,
    );
  }
  const hpa: DoctorReport['hpa'] = {
    ...(found ? { name: `${found.namespace}/${found.name}`, from: manifests!.from } : {}),
    metricType: metric?.type,
    target,
    minReplicas,
    maxReplicas,
  };
  for (const [opt, u] of [
    ['--prometheus', opts.prometheus],
    ['--pushgateway', opts.pushgateway],
  ] as const) {
    if (u !== undefined && !/^https?:\/\/[^/]/.test(u))
      throw new UsageError(`${opt}: got "${u}", expected an http:// or https:// URL`);
  }
  const { rule, source } = loadRule(opts, staleAfter, manifests);
  const checks: Check[] = [];
  const report = { checks, pods: [] as DoctorReport['pods'], goneGroups: [] as string[], hpa } as {
    -readonly [K in keyof DoctorReport]: DoctorReport[K];
  };
  const ns = opts.namespace;

  // 0. the rule loads
  let nsLabel = 'k8s_namespace';
  let podLabel = 'k8s_pod_name';
  try {
    checkRuleLoads(rule);
    nsLabel = labelForResource(rule, 'namespace');
    podLabel = labelForResource(rule, 'pod');
    checks.push({ name: 'adapter rule', status: 'ok', detail: `${source} loads` });
  } catch (e) {
    checks.push({
      name: 'adapter rule',
      status: 'fail',
      detail: `${source}: ${(e as Error).message}`,
      fix:
        e instanceof RuleRefusedError
          ? 'prometheus-adapter would not start with it: fix the rule (Go templates without extra functions such as join)'
          : 'map the namespace and pod labels in resources.overrides',
    });
    return report;
  }

  // 1. Prometheus answers
  try {
    await promApi(opts.prometheus, '/api/v1/query', { query: 'time()' });
    checks.push({ name: 'Prometheus', status: 'ok', detail: `${opts.prometheus} answers` });
  } catch (e) {
    checks.push({
      name: 'Prometheus',
      status: 'fail',
      detail: (e as Error).message,
      fix: `check --prometheus; in a cluster: ${PORT_FORWARD_PROMETHEUS}`,
    });
    return report;
  }

  // 2. the series and their labels
  const now = Date.now() / 1000;
  const series: Array<Record<string, string>> = await promApi(opts.prometheus, '/api/v1/series', {
    'match[]': opts.metric,
    start: String(now - 600),
    end: String(now),
  });
  if (series.length === 0) {
    checks.push({
      name: 'metric',
      status: 'fail',
      detail: `no series ${opts.metric} in the last 10 minutes`,
      fix: 'Interlok has not pushed yet (send a message, e.g. load --url http://localhost:8080/in-box --count 1), or Prometheus does not scrape the pushgateway (see its /targets page)',
    });
    return report;
  }
  checks.push({ name: 'metric', status: 'ok', detail: `${series.length} series ${opts.metric}` });
  const unlabelled = series.filter((s) => !s[nsLabel] || !s[podLabel]);
  checks.push(
    unlabelled.length
      ? {
          name: 'pod labels',
          status: 'fail',
          detail: `${unlabelled.length} series lack ${nsLabel} or ${podLabel}: ${JSON.stringify(unlabelled[0])}`,
          fix: `Interlok pushes ${nsLabel}/${podLabel} from the env K8S_NAMESPACE and K8S_POD_NAME (downward API, PushgatewayEnv); a rule must map both in resources.overrides`,
        }
      : { name: 'pod labels', status: 'ok', detail: `every series has ${nsLabel} and ${podLabel}` },
  );
  const exported = [...new Set(series.flatMap((s) => Object.keys(s).filter((k) => k.startsWith('exported_'))))];
  checks.push(
    exported.length
      ? {
          name: 'honor_labels',
          status: 'fail',
          detail: `pushed labels were renamed by Prometheus: ${exported.join(', ')}`,
          fix: 'set honor_labels: true on the scrape job of the pushgateway (ServiceMonitor: honorLabels: true); without it job/instance (and namespace/pod with service discovery) are renamed exported_*',
        }
      : { name: 'honor_labels', status: 'ok', detail: 'no exported_* labels: the scrape keeps the pushed labels' },
  );

  // 3. the namespace
  const inNs = series.filter((s) => s[nsLabel] === ns);
  const others = [...new Set(series.map((s) => s[nsLabel]).filter((n) => n && n !== ns))];
  if (inNs.length === 0) {
    checks.push({
      name: 'namespace',
      status: 'fail',
      detail: `no series with ${nsLabel}="${ns}"${others.length ? `; pushed namespaces: ${others.join(', ')}` : ''}`,
      fix: `Interlok in ${ns} must push ${nsLabel}="${ns}": set K8S_NAMESPACE from metadata.namespace (the guide set K8S_POD_NAMESPACE, which Interlok never reads, so every pod pushes "default")`,
    });
  } else {
    checks.push({ name: 'namespace', status: 'ok', detail: `${inNs.length} series in ${ns}` });
  }

  // 4. groups: fresh, stale, gone
  const ages: VectorSample[] = inNs.length
    ? await promApi(opts.prometheus, '/api/v1/query', {
        query: `max by (${podLabel}) (${pushAgeQuery(`${nsLabel}="${ns}"`)})`,
      }).then((d) => d.result)
    : [];
  const pushed: VectorSample[] = inNs.length
    ? await promApi(opts.prometheus, '/api/v1/query', {
        query: `max by (${podLabel}) (${opts.metric}{${nsLabel}="${ns}"})`,
      }).then((d) => d.result)
    : [];
  const ageOf = new Map(ages.map((s) => [s.metric[podLabel]!, Number(s.value[1])]));
  const pushedOf = new Map(pushed.map((s) => [s.metric[podLabel]!, Number(s.value[1])]));
  const pods = opts.pods
    ? opts.pods
        .split(/[,\s]+/)
        .map((p) => p.trim().replace(/^pods?\//, ''))
        .filter((p) => p)
    : [...pushedOf.keys()].sort();
  const stale = [...ageOf].filter(([, a]) => a >= staleAfter.toSeconds()).map(([p]) => p);
  if (opts.pods) {
    report.goneGroups = [...pushedOf.keys()].filter((p) => !pods.includes(p)).sort();
    if (report.goneGroups.length) {
      checks.push({
        name: 'groups of gone pods',
        status: 'warn',
        detail: `${report.goneGroups.length} group(s) of pods not in --pods: ${report.goneGroups.join(', ')}`,
        fix: `they count while fresh; delete each: curl -X DELETE <pushgateway>/metrics/job/interlok/${nsLabel}/${ns}/${podLabel}/<pod> (PushgatewayDeregistration does it when a pod stops)`,
      });
    }
  }
  checks.push(
    stale.length
      ? {
          name: 'freshness',
          status: 'warn',
          detail: `${stale.length} stale group(s) (no push for ${staleAfter.toSeconds()} s or more): ${stale.join(', ')}; they read 0 with this library's rule`,
          fix: "expected for idle pods; with the guide's rule a stale group keeps its last value and holds replicas up",
        }
      : { name: 'freshness', status: 'ok', detail: `${ageOf.size} group(s) pushed within ${staleAfter.toSeconds()} s` },
  );

  // 5. the pushgateway holds what Prometheus shows
  if (opts.pushgateway) {
    try {
      const res = await fetch(`${opts.pushgateway.replace(/\/$/, '')}/api/v1/metrics`, {
        signal: AbortSignal.timeout(10000),
      });
      const groups: Array<{ labels: Record<string, string> } & Record<string, unknown>> = ((await res.json()) as any)
        .data;
      const withMetric = groups
        .filter((g) => g[opts.metric] !== undefined && g.labels[nsLabel] === ns)
        .map((g) => g.labels[podLabel]!);
      const unseen = withMetric.filter((p) => !pushedOf.has(p));
      checks.push(
        unseen.length
          ? {
              name: 'pushgateway',
              status: 'fail',
              detail: `${unseen.length} group(s) in the pushgateway that Prometheus has not scraped: ${unseen.join(', ')}`,
              fix: "Prometheus does not scrape this pushgateway (or not yet): check the scrape job's target address and the NetworkPolicy",
            }
          : { name: 'pushgateway', status: 'ok', detail: `${withMetric.length} group(s) in ${ns}, all scraped` },
      );
    } catch (e) {
      checks.push({
        name: 'pushgateway',
        status: 'fail',
        detail: `cannot read ${opts.pushgateway}/api/v1/metrics: ${(e as any).cause?.code ?? (e as Error).message}`,
        fix: `check --pushgateway; in a cluster: ${PORT_FORWARD_PUSHGATEWAY}`,
      });
    }
  }

  // 6. what the adapter returns and what the HPA decides
  if (pods.length > 0) {
    const served = series.some((s) => apiMetricName(rule, s.__name__ ?? opts.metric) !== undefined);
    const query = renderMetricsQuery(rule, opts.metric, { namespace: ns, pods });
    report.query = query;
    const values = podValues(
      rule,
      { namespace: ns, pods },
      (await promApi(opts.prometheus, '/api/v1/query', { query })).result,
    );
    const truth = (p: string) =>
      ageOf.has(p) && ageOf.get(p)! < staleAfter.toSeconds() ? pushedOf.get(p) : pushedOf.has(p) ? 0 : undefined;
    const wrong = pods.filter((p) => values.has(p) && truth(p) !== undefined && values.get(p) !== truth(p));
    const scoped = /<<-?\s*\.LabelMatchers\s*-?>>/.test(rule.metricsQuery);
    if (!served)
      checks.push({
        name: 'rule matches',
        status: 'fail',
        detail: `the rule's name mapping does not serve ${opts.metric}`,
        fix: 'fix name.matches / name.as',
      });
    if (!scoped || wrong.length) {
      checks.push({
        name: 'scoped query',
        status: 'fail',
        detail: `${!scoped ? 'the metricsQuery does not use <<.LabelMatchers>>: it reads every namespace' : ''}${wrong.length ? `${!scoped ? '; ' : ''}the adapter would return ${wrong.map((p) => `${values.get(p)} for ${p} (its group in ${ns}: ${truth(p)})`).join(', ')}` : ''}`,
        fix: 'use a rule scoped to the namespace and pods: metricsQuery with {<<.LabelMatchers>>} and by (<<.GroupBy>>), e.g. npx cdk8s-interlok-scaling adapter-values',
      });
    } else {
      checks.push({ name: 'scoped query', status: 'ok', detail: `the query is scoped to ${ns} and the pods` });
    }
    report.pods = pods.map((p) => ({
      pod: p,
      group: !ageOf.has(p) ? 'none' : ageOf.get(p)! < staleAfter.toSeconds() ? 'fresh' : 'stale',
      ageSeconds: ageOf.has(p) ? Math.round(ageOf.get(p)!) : undefined,
      pushed: pushedOf.get(p),
      adapterValue: values.get(p),
    }));
    const common = { currentReplicas: pods.length, targetAverageValue: target, minReplicas, maxReplicas };
    const podsCalc = desiredReplicas({ ...common, pods, podValues: values });
    const total = [...values.values()].reduce((a, b) => a + b, 0);
    const extCalc = desiredReplicasExternal({ ...common, values: [total] });
    report.decision = {
      pods: { desiredReplicas: podsCalc.desiredReplicas, reason: podsCalc.reason, average: podsCalc.currentAverage },
      external: { desiredReplicas: extCalc.desiredReplicas, reason: extCalc.reason, total },
    };
  }
  return report;
}

type CommandOptions = Omit<Options, 'namespace' | 'prometheus'> & { namespace?: string; prometheus?: string };

/** doctor on the live cluster of the kubeconfig: exit 1 when a chain has a broken link, or none was found. */
async function clusterDoctor(opts: CommandOptions, ctx: CliContext): Promise<void> {
  if (opts.hpa !== undefined && opts.scaledObject !== undefined)
    throw new UsageError('--hpa and --scaled-object: got both, expected one');
  for (const flag of ['pushgateway', 'pods', 'target', 'minReplicas', 'maxReplicas', 'adapterConfig'] as const) {
    if (opts[flag] !== undefined)
      throw new UsageError(
        `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: only with --prometheus (on a cluster, doctor reads it from the cluster)`,
      );
  }
  if (opts.manifests !== undefined && !existsSync(opts.manifests))
    throw new UsageError(`--manifests: ${opts.manifests}: no such file or directory`);
  const kube = await loadKubeReader(opts.context);
  let report: ClusterDoctorReport;
  try {
    report = await runClusterDoctor(kube, {
      namespace: opts.namespace,
      hpa: opts.hpa,
      scaledObject: opts.scaledObject,
      manifests: opts.manifests ? readManifests(opts.manifests) : undefined,
    });
  } catch (e) {
    if (e instanceof NotFound) throw new UsageError(e.message);
    throw e;
  }
  if (opts.json) ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else ctx.stdout(renderCluster(report, ctx));
  if (report.chains.length === 0) {
    throw new CheckFailed(
      `no HorizontalPodAutoscaler or ScaledObject labelled app.kubernetes.io/part-of=interlok-scaling in ${opts.namespace ? `namespace ${opts.namespace}` : 'any namespace'} (context ${report.context}): name one with --hpa or --scaled-object`,
    );
  }
  const broken = report.chains.filter((c) => c.brokenLink);
  if (broken.length)
    throw new CheckFailed(
      `${broken.length} chain(s) broken: ${broken.map((c) => `${c.namespace}/${c.name} at ${c.brokenLink}`).join(', ')}`,
    );
}

export function doctorCommand(ctx: CliContext): Command {
  return new Command('doctor')
    .summary(
      'find the broken link between an HPA and Interlok on a live cluster; or check a Prometheus (and pushgateway) by URL',
    )
    .description(
      "Without --prometheus: reads the cluster of the kubeconfig (read-only), finds this library's HPAs and KEDA ScaledObjects " +
        "(or the one named) and walks each chain in order: the HPA's conditions and events, the APIService and the Service that serves it, " +
        "the adapter's pods, permissions, rule, discovery and the value it returns, Prometheus (through the API server's service proxy) " +
        "and the adapter's query, Prometheus's scrape of the pushgateway, the pushgateway's groups (fresh, stale, of gone pods, refused " +
        "pushes) and Interlok's JAVA_OPTS and namespace env. It stops at the first broken link and prints what is wrong, the evidence " +
        'and the fix. Exits 1 when a chain is broken.\n\n' +
        'With --prometheus: checks that the metric exists with both pod labels, that no exported_* labels betray a missing honor_labels, ' +
        'that the namespace label is right, which groups are fresh, stale or belong to pods that are gone, that the adapter ' +
        'rule is scoped; prints the per-pod values the adapter would return and what the HPA would decide. Each failed check ' +
        'says how to fix it. Exits 1 when a check fails.',
    )
    .option('--context <name>', 'the kubeconfig context (default: its current context)')
    .option('--scaled-object <name>', "check this KEDA ScaledObject (in --namespace, default the context's)")
    .option(
      '--prometheus <url>',
      `check this Prometheus by URL instead of the cluster, e.g. http://localhost:9090 (${PORT_FORWARD_PROMETHEUS})`,
    )
    .option(
      '--pushgateway <url>',
      'with --prometheus: the pushgateway, e.g. http://localhost:9091, to compare its groups with Prometheus',
    )
    .option(
      '--namespace <ns>',
      'the namespace of the HPA (cluster: default every namespace; with --prometheus: default "default")',
    )
    .option(
      '--pods <a,b>',
      'with --prometheus: the pods of the Deployment (kubectl get pods -l app.kubernetes.io/name=interlok -o name); default: every pod with a group',
    )
    .option('--metric <name>', 'with --prometheus: the series Interlok pushes', 'MessageMetrics')
    .option('--stale-after <duration>', "with --prometheus: the rule's stale window", '30s')
    .option(
      '--manifests <path>',
      "the app's manifests (file or directory, e.g. dist/): on a cluster, their APIServices say which Service is ours; with --prometheus, the HPA (or KEDA ScaledObject) in --namespace gives --target, --min-replicas and --max-replicas",
    )
    .option(
      '--hpa <[namespace/]name>',
      "check this HPA (on a cluster: in --namespace, default the context's; with --prometheus: of the manifests)",
    )
    .option(
      '--target <n>',
      "with --prometheus: the HPA's AverageValue target (default: the HPA's in the manifests, else 100)",
    )
    .option(
      '--min-replicas <n>',
      "with --prometheus: the HPA's minReplicas (default: the HPA's in the manifests, else 1)",
    )
    .option(
      '--max-replicas <n>',
      "with --prometheus: the HPA's maxReplicas (default: the HPA's in the manifests, else 5)",
    )
    .option(
      '--adapter-config <file>',
      "with --prometheus: check this rule instead of the library's: an adapter config.yaml, or manifests (file or directory) with its ConfigMap, whose HPA is read as with --manifests",
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  npx cdk8s-interlok-scaling doctor                        # every chain of this library in the current context\n' +
        '  npx cdk8s-interlok-scaling doctor --context prod --namespace default --hpa interlok-autoscaler\n\n' +
        `  ${PORT_FORWARD_PROMETHEUS} &\n  ${PORT_FORWARD_PUSHGATEWAY} &\n` +
        '  npx cdk8s-interlok-scaling doctor --prometheus http://localhost:9090 --pushgateway http://localhost:9091 --namespace default --manifests dist/',
    )
    .action(async (cmdOpts: CommandOptions) => {
      if (cmdOpts.prometheus === undefined) {
        await clusterDoctor(cmdOpts, ctx);
        return;
      }
      if (cmdOpts.context !== undefined || cmdOpts.scaledObject !== undefined)
        throw new UsageError(
          `--${cmdOpts.context !== undefined ? 'context' : 'scaled-object'}: only without --prometheus (on a cluster)`,
        );
      const opts: Options = { ...cmdOpts, prometheus: cmdOpts.prometheus, namespace: cmdOpts.namespace ?? 'default' };
      const report = await runDoctor(opts);
      if (opts.json) ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else ctx.stdout(render(report, ctx));
      const failed = report.checks.filter((c) => c.status === 'fail');
      if (failed.length)
        throw new CheckFailed(`${failed.length} check(s) failed: ${failed.map((c) => c.name).join(', ')}`);
    });
}

function renderCluster(r: ClusterDoctorReport, ctx: CliContext): string {
  const c = colours(ctx);
  const mark = { ok: c.green('ok  '), fail: c.red('FAIL'), warn: c.yellow('warn'), note: c.cyan('note') };
  const chain = (ch: ChainReport) => {
    const lines = [c.bold(`${ch.kind} ${ch.namespace}/${ch.name}`)];
    for (const f of ch.findings) {
      lines.push(`  ${mark[f.status]}  ${f.link}: ${f.what}`);
      if (f.status !== 'ok' && f.evidence) lines.push(`        evidence: ${f.evidence}`);
      if ((f.status === 'fail' || f.status === 'warn') && f.fix) lines.push(`        fix: ${f.fix}`);
    }
    lines.push(ch.brokenLink ? `  ${c.red('broken link')}: ${ch.brokenLink}` : `  ${c.green('healthy')}`);
    return lines.join('\n');
  };
  return `context ${r.context} (${r.server})\n\n${r.chains.map(chain).join('\n\n')}\n`;
}

function render(r: DoctorReport, ctx: CliContext): string {
  const c = colours(ctx);
  const mark = { ok: c.green('ok  '), fail: c.red('FAIL'), warn: c.yellow('warn') };
  const lines = r.checks.map(
    (x) => `${mark[x.status]}  ${x.name}: ${x.detail}${x.status !== 'ok' && x.fix ? `\n      fix: ${x.fix}` : ''}`,
  );
  let out = `${lines.join('\n')}\n`;
  if (r.query) out += `\nadapter query:\n  ${c.cyan(r.query)}\n`;
  if (r.pods.length) {
    out += `\n${table([
      ['pod', 'group', 'age', 'pushed', 'adapter returns'],
      ...r.pods.map((p) => [
        p.pod,
        p.group,
        p.ageSeconds === undefined ? '-' : `${p.ageSeconds} s`,
        p.pushed === undefined ? '-' : String(p.pushed),
        p.adapterValue === undefined ? 'no value' : String(p.adapterValue),
      ]),
    ])}`;
  }
  if (r.goneGroups.length) out += `groups of gone pods: ${r.goneGroups.join(', ')}\n`;
  if (r.decision) {
    const h = r.hpa;
    const which = h.name ? `HPA ${h.name} in ${h.from}: ${h.metricType ?? 'no AverageValue metric'}, ` : '';
    out += `\nthe HPA would decide (from ${r.pods.length} replica(s); ${which}${h.target} per pod, ${h.minReplicas}..${h.maxReplicas} replicas):\n`;
    out += `  External total ${r.decision.external.total} → ${c.bold(String(r.decision.external.desiredReplicas))}  (${r.decision.external.reason})\n`;
    out += `  Pods average ${r.decision.pods.average ?? 'none'} → ${c.bold(String(r.decision.pods.desiredReplicas))}  (${r.decision.pods.reason})\n`;
  }
  return out;
}
