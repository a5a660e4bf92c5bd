// Explains, per autoscaled Deployment of any app's manifests, what the adapter and the HPA will do:
//   npx cdk8s-interlok-scaling explain dist/
import { existsSync } from 'fs';
import { Duration } from 'cdk8s';
import { Command } from 'commander';
import { AdapterRuleConfig } from '../../lib/monitoring/adapter-rule';
import { renderExternalMetricsQuery, renderMetricsQuery, RuleRefusedError } from '../../lib/model/adapter-query';
import {
  FoundHpa,
  findAdapterRules,
  pushgatewayScrapeInterval,
  readHpas,
  readManifests,
  ruleForMetric,
  simulatedHpa,
  staleAfterOf,
} from '../../lib/model/manifests';
import { worstCaseReactionTimes } from '../../lib/model/reaction-time';
import { DEFAULT_SCRAPE_SECONDS } from '../../lib/model/intervals';
import { desiredReplicas, desiredReplicasExternal } from '../../lib/model/replica-calculation';
import { simulate } from '../../lib/model/simulation';
import { CliContext } from '../context';
import { parseDuration } from '../duration';
import { CheckFailed, UsageError } from '../errors';
import { colours } from '../style';

const LOADS = [50, 150, 450];

export interface Explanation {
  readonly hpa: string;
  readonly deployment: string;
  readonly metric?: { type: string; name?: string; target?: number; selector?: unknown };
  readonly rule?: { source: string; seriesQuery: string; metricsQuery: string; series: string };
  /** For the HPA of a KEDA ScaledObject: the trigger KEDA's metrics server queries (instead of an adapter rule). */
  readonly trigger?: { source: string; type: string; serverAddress?: string };
  /** The ScaledObject, for the HPA KEDA creates. */
  readonly scaledObject?: string;
  readonly problems: string[];
  readonly samplePods: string[];
  readonly query?: string;
  readonly decisions: Array<{
    loadPerPod: number;
    currentReplicas: number;
    metric: number;
    desiredReplicas: number;
    reason: string;
  }>;
  readonly idle?: { changes: Array<[number, number, number]>; finalReplicas: number; summary: string };
  readonly reactionTimes?: ReturnType<typeof worstCaseReactionTimes>;
  readonly staleAfter?: number;
  readonly scrapeInterval: number;
}

/** Sample pod names as a ReplicaSet gives them. */
export function samplePods(deployment: string, n = 2): string[] {
  return ['x2b4q', 'k7m9p', 'f5z8w'].slice(0, n).map((s) => `${deployment}-7d9f8c6b5-${s}`);
}

export function explainHpa(
  hpa: FoundHpa,
  objects: ReturnType<typeof readManifests>,
  scrapeOverride?: number,
): Explanation {
  const rules = findAdapterRules(objects);
  const scrapeInterval = scrapeOverride ?? pushgatewayScrapeInterval(objects) ?? DEFAULT_SCRAPE_SECONDS;
  const pods = samplePods(hpa.target.name);
  const base = {
    hpa: `${hpa.namespace}/${hpa.name}`,
    deployment: `${hpa.namespace}/${hpa.target.name}`,
    samplePods: pods,
    scrapeInterval,
    decisions: [] as Explanation['decisions'],
    ...(hpa.scaledObject ? { scaledObject: hpa.scaledObject } : {}),
  };
  const m = hpa.metrics.find((x) => x.type === 'External' || x.type === 'Pods');
  if (!m)
    return {
      ...base,
      problems: [
        `no External or Pods metric (metrics: ${hpa.metrics.map((x) => x.type).join(', ') || 'none'}): not modelled here`,
      ],
    };
  const metric = { type: m.type, name: m.name, target: m.target, selector: m.selector };
  const problems: string[] = [];
  if (m.targetType !== 'AverageValue') problems.push(`target type ${m.targetType}: only AverageValue is modelled`);
  const external = m.type === 'External';
  let query: string | undefined;
  let staleAfter: number | undefined;
  let ruleInfo: Explanation['rule'];
  let trigger: Explanation['trigger'];
  if (m.kedaTrigger) {
    // KEDA's metrics server runs the trigger's query as it is: no adapter rule in between
    const t = m.kedaTrigger;
    trigger = { source: t.source, type: t.type, ...(t.serverAddress ? { serverAddress: t.serverAddress } : {}) };
    if (t.type !== 'prometheus' || !t.query) {
      problems.push(
        `${t.source} is a ${t.type} trigger${t.type === 'prometheus' ? ' without a query' : ''}: only prometheus triggers are modelled`,
      );
      return { ...base, metric, trigger, problems };
    }
    if (m.target === undefined) problems.push(`${t.source} has no numeric threshold: KEDA refuses it`);
    query = t.query;
    staleAfter = staleAfterOf(t.query);
  } else {
    const match = ruleForMetric(rules, m.name ?? '', external);
    if (!match) {
      problems.push(
        `no adapter rule in these manifests serves the ${m.type} metric "${m.name}" (${rules.length} rule(s) found): ` +
          'the HPA would show <unknown> unless an adapter elsewhere serves it',
      );
      return { ...base, metric, problems };
    }
    const rule: AdapterRuleConfig = match.found.rule;
    ruleInfo = {
      source: match.found.source,
      seriesQuery: rule.seriesQuery,
      metricsQuery: rule.metricsQuery,
      series: match.series,
    };
    if (match.found.refused) {
      problems.push(
        `prometheus-adapter refuses this rule when it loads its config (it does not start): ${match.found.refused}`,
      );
      return { ...base, metric, rule: ruleInfo, problems };
    }
    try {
      query = external
        ? renderExternalMetricsQuery(rule, match.series, {
            namespace: hpa.namespace,
            metricSelector: m.selector?.matchLabels,
          })
        : renderMetricsQuery(rule, match.series, {
            namespace: hpa.namespace,
            pods,
            metricSelector: m.selector?.matchLabels,
          });
    } catch (e) {
      problems.push(
        `${e instanceof RuleRefusedError ? 'prometheus-adapter refuses this rule' : 'the query fails'}: ${(e as Error).message}`,
      );
    }
    if (!/<<-?\s*\.LabelMatchers\s*-?>>|LabelValuesByName/.test(rule.metricsQuery)) {
      problems.push(
        "the metricsQuery uses neither .LabelMatchers nor .LabelValuesByName: it is not scoped to the namespace or the pods, so other namespaces' pods of the same name mix in (the guide's rule)",
      );
    }
    staleAfter = staleAfterOf(rule);
  }
  const target = m.target ?? 100;
  const decisions = LOADS.map((load) => {
    const current = hpa.minReplicas;
    const calc = external
      ? desiredReplicasExternal({
          currentReplicas: current,
          values: [load * current],
          targetAverageValue: target,
          minReplicas: hpa.minReplicas,
          maxReplicas: hpa.maxReplicas,
        })
      : desiredReplicas({
          currentReplicas: current,
          pods: pods.slice(0, current),
          podValues: new Map(pods.slice(0, current).map((p) => [p, load])),
          targetAverageValue: target,
          minReplicas: hpa.minReplicas,
          maxReplicas: hpa.maxReplicas,
        });
    return {
      loadPerPod: load,
      currentReplicas: current,
      metric: external ? load * current : load,
      desiredReplicas: calc.desiredReplicas,
      reason: calc.reason,
    };
  });
  let idle: Explanation['idle'];
  let reactionTimes: Explanation['reactionTimes'];
  if (m.targetType === 'AverageValue') {
    const sim = simulatedHpa(hpa);
    const run = simulate({
      hpa: sim,
      load: [
        { at: 0, perPod: 450 },
        { at: 60, perPod: 0 },
      ],
      duration: 1200,
      timing: { scrapeInterval, staleAfter },
    });
    const after = run.changes.filter(([t]) => t > 60);
    const peak = Math.max(...run.replicas);
    const final = run.replicas[run.replicas.length - 1]!;
    const summary =
      after.length === 0
        ? final > hpa.minReplicas
          ? `never scales down: stays at ${final} replicas after the load stops`
          : `stays at ${final}`
        : `${peak} → ${final} replicas: ${after.map(([t, a, b]) => `${a} → ${b} at ${t - 60} s`).join(', ')} after the load stops`;
    idle = { changes: run.changes, finalReplicas: final, summary };
    reactionTimes = worstCaseReactionTimes({
      scrapeInterval: Duration.seconds(scrapeInterval),
      staleAfter: staleAfter === undefined ? undefined : Duration.seconds(staleAfter),
      scaleUpStabilization: Duration.seconds(hpa.scaleUp.stabilizationWindowSeconds),
      scaleDownStabilization: Duration.seconds(hpa.scaleDown.stabilizationWindowSeconds),
      metricType: external ? 'External' : 'Pods',
    });
  }
  return {
    ...base,
    metric,
    ...(ruleInfo ? { rule: ruleInfo } : {}),
    ...(trigger ? { trigger } : {}),
    problems,
    query,
    decisions,
    idle,
    reactionTimes,
    staleAfter,
  };
}

interface Options {
  readonly json?: boolean;
  readonly scrapeInterval?: string;
}

export function explainCommand(ctx: CliContext): Command {
  return new Command('explain')
    .summary('print what the adapter and the HPA will do for each autoscaled Deployment in a manifests directory')
    .description(
      "Reads synthesized manifests (any app's: HPAs, KEDA ScaledObjects, Deployments, prometheus-adapter rules in " +
        'ConfigMaps, a Prometheus config) and prints per autoscaled Deployment: the metric, the adapter rule, the exact PromQL the adapter ' +
        'runs for sample pods, the replica decision for 50, 150 and 450 messages per pod, the idle scale-down path and the ' +
        'worst-case reaction times. Exits 1 when a rule is missing, refused by the adapter, or unscoped.',
    )
    .argument(
      '[dir]',
      'a directory of manifests (its .yaml/.yml/.json files, as kubectl apply -f takes them) or one file',
      'dist/',
    )
    .option('--json', 'print JSON for scripts')
    .option(
      '--scrape-interval <duration>',
      'how often Prometheus scrapes the pushgateway (default: from a Prometheus config in the manifests, else 10s)',
    )
    .addHelpText(
      'after',
      "\nExample:\n  npx cdk8s-interlok-scaling explain dist/\n  npx cdk8s-interlok-scaling explain dist/ --json | jq '.[0].query'",
    )
    .action((dir: string, opts: Options) => {
      if (!existsSync(dir)) throw new UsageError(`${dir}: no such file or directory (synthesize first: npm run synth)`);
      const objects = readManifests(dir);
      const hpas = readHpas(objects);
      if (hpas.length === 0)
        throw new CheckFailed(`${dir}: no autoscaling/v2 HorizontalPodAutoscaler or KEDA ScaledObject found`);
      const scrape =
        opts.scrapeInterval === undefined
          ? undefined
          : parseDuration('--scrape-interval', opts.scrapeInterval).toSeconds();
      const all = hpas.map((h) => explainHpa(h, objects, scrape));
      if (opts.json) ctx.stdout(`${JSON.stringify(all, null, 2)}\n`);
      else ctx.stdout(all.map((e) => render(e, ctx)).join('\n'));
      const problems = all.flatMap((e) => e.problems.map((p) => `${e.hpa}: ${p}`));
      if (problems.length) throw new CheckFailed(`${problems.length} problem(s): ${problems[0]}`);
    });
}

function render(e: Explanation, ctx: CliContext): string {
  const c = colours(ctx);
  const lines: string[] = [];
  lines.push(
    c.bold(
      `Deployment ${e.deployment}  (HPA ${e.hpa}${e.scaledObject ? `, which KEDA creates for ScaledObject ${e.scaledObject}` : ''})`,
    ),
  );
  if (e.metric)
    lines.push(
      `  metric        ${e.metric.type} ${e.metric.name}, AverageValue ${e.metric.target} per pod${e.metric.selector ? `, selector ${JSON.stringify(e.metric.selector)}` : ''}`,
    );
  if (e.rule) {
    lines.push(`  adapter rule  ${e.rule.source}`);
    lines.push(`    seriesQuery   ${e.rule.seriesQuery}`);
    lines.push(`    metricsQuery  ${e.rule.metricsQuery}`);
  }
  if (e.trigger)
    lines.push(
      `  KEDA trigger  ${e.trigger.source}: ${e.trigger.type}${e.trigger.serverAddress ? ` on ${e.trigger.serverAddress}` : ''}`,
    );
  if (e.query)
    lines.push(
      e.trigger
        ? "  PromQL (the trigger's query, the Deployment's total):"
        : `  PromQL for pods ${e.samplePods.join(', ')}:`,
      `    ${c.cyan(e.query)}`,
    );
  if (e.decisions.length) {
    lines.push(`  decisions (from ${e.decisions[0]!.currentReplicas} replica(s)):`);
    for (const d of e.decisions)
      lines.push(
        `    ${String(d.loadPerPod).padStart(4)} per pod → ${c.bold(String(d.desiredReplicas))} replica(s)  (${d.reason})`,
      );
  }
  if (e.idle) lines.push(`  idle scale-down (450 per pod for 60 s, then nothing): ${e.idle.summary}`);
  if (e.reactionTimes) {
    const r = e.reactionTimes;
    const s = (v?: number) => (v === undefined ? 'never' : `${v} s`);
    lines.push(
      `  worst-case reaction times (scrape ${e.scrapeInterval} s, stale after ${e.staleAfter === undefined ? 'never' : `${e.staleAfter} s`}):`,
    );
    lines.push(
      `    load step → scale-up decision ${s(r.scaleUp)}; load stops → lower recommendation ${s(r.scaleDownRecommendation)}, fewer replicas ${s(r.scaleDown)}; no series while idle → fewer replicas ${s(r.scaleDownWithoutSeries)}`,
    );
  }
  for (const p of e.problems) lines.push(`  ${c.red('problem')}: ${p}`);
  return `${lines.join('\n')}\n`;
}
