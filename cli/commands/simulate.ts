// The replica timeline of an HPA for a load profile, as a terminal chart and an SVG:
//   npx cdk8s-interlok-scaling simulate dist/ --load burst
import { existsSync, writeFileSync } from 'fs';
import * as asciichart from 'asciichart';
import { Command } from 'commander';
import {
  pushgatewayScrapeInterval,
  readHpas,
  readManifests,
  findAdapterRules,
  ruleForMetric,
  simulatedHpa,
  staleAfterOf,
} from '../../lib/model/manifests';
import { LOAD_PRESETS, loadProfileText, LoadStep, simulate, SimulationResult } from '../../lib/model/simulation';
import { DEFAULT_SCRAPE_SECONDS } from '../../lib/model/intervals';
import { CliContext } from '../context';
import { parseDuration } from '../duration';
import { CheckFailed, UsageError } from '../errors';
import { colours, table } from '../style';

/** The presets as `--load` writes them (totals: the model's LOAD_PRESETS). */
export const PRESETS: Record<string, string> = Object.fromEntries(
  Object.entries(LOAD_PRESETS).map(([name, p]) => [name, loadProfileText(p.steps)]),
);

/** A preset's name, `0s=600total,2m=0` (messages per push interval for the Deployment) or `0s=150` (per pod). */
export function parseLoad(text: string): LoadStep[] {
  const preset = Object.prototype.hasOwnProperty.call(LOAD_PRESETS, text) ? LOAD_PRESETS[text] : undefined;
  if (preset) return [...preset.steps].sort((a, b) => a.at - b.at);
  const steps = text.split(',').map((part) => {
    const m = /^\s*([^=\s]+)\s*=\s*(\d+(?:\.\d+)?)\s*(total|\/pod)?\s*$/.exec(part);
    if (!m)
      throw new UsageError(
        `--load: got "${part}", expected TIME=Ntotal (for the Deployment) or TIME=N (per pod), e.g. 0s=150total,10s=0, or a preset (${Object.keys(LOAD_PRESETS).join(', ')})`,
      );
    const at = parseDuration('--load', m[1]!).toSeconds();
    const n = Number(m[2]);
    return m[3] === 'total' ? { at, total: n } : { at, perPod: n };
  });
  return steps.sort((a, b) => a.at - b.at);
}

interface Options {
  readonly load: string;
  readonly duration: string;
  readonly hpa?: string;
  readonly svg: string | false;
  readonly json?: boolean;
  readonly scrapeInterval?: string;
}

export function simulateCommand(ctx: CliContext): Command {
  return new Command('simulate')
    .summary('print the replica timeline of the HPA in a manifests directory for a load profile, and write it as SVG')
    .description(
      "Simulates, second by second, Interlok pushing every 10 s, Prometheus scraping, the rule's stale window and " +
        'the HPA (its target, min/max, tolerance 0.1, behavior: stabilization windows and policies, 15 s sync, missing-metric ' +
        'rules) read from the manifests, and prints the replica timeline as a terminal chart and a table of changes.',
    )
    .argument('[dir]', 'a directory of manifests or one file', 'dist/')
    .requiredOption(
      '--load <profile>',
      `steps TIME=Ntotal (messages per push interval for the Deployment from TIME on, spread over its pods) or TIME=N (per pod, whatever the number of pods), comma-separated; presets: ${Object.entries(
        PRESETS,
      )
        .map(([k, v]) => `${k} (${v})`)
        .join(', ')}`,
    )
    .option('--duration <duration>', 'how long to simulate', '10m')
    .option('--hpa <[namespace/]name>', 'which HPA, or KEDA ScaledObject (default: the only one)')
    .option('--svg <file>', 'write the chart as SVG here', 'simulation.svg')
    .option('--no-svg', 'write no SVG')
    .option('--json', 'print the timeline as JSON instead of the chart')
    .option(
      '--scrape-interval <duration>',
      'how often Prometheus scrapes the pushgateway (default: from the manifests, else 10s)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npx cdk8s-interlok-scaling simulate dist/ --load burst\n  npx cdk8s-interlok-scaling simulate dist/ --load 0s=100,1m=450,3m=0 --duration 15m --svg ramp.svg',
    )
    .action((dir: string, opts: Options) => {
      if (!existsSync(dir)) throw new UsageError(`${dir}: no such file or directory (synthesize first: npm run synth)`);
      const load = parseLoad(opts.load);
      const duration = parseDuration('--duration', opts.duration).toSeconds();
      if (duration < 15 || duration > 86400)
        throw new UsageError(`--duration: got ${opts.duration}, expected 15s to 1d`);
      const objects = readManifests(dir);
      const all = readHpas(objects);
      if (all.length === 0)
        throw new CheckFailed(`${dir}: no autoscaling/v2 HorizontalPodAutoscaler or KEDA ScaledObject found`);
      const names = all.map((h) => `${h.namespace}/${h.name}`).join(', ');
      // an HPA by its name, or KEDA's by its ScaledObject's
      const hpas = all.filter(
        (h) =>
          !opts.hpa ||
          [h.name, `${h.namespace}/${h.name}`].includes(opts.hpa) ||
          (h.scaledObject !== undefined && [h.scaledObject, h.scaledObject.split('/')[1]].includes(opts.hpa)),
      );
      if (hpas.length === 0) throw new UsageError(`--hpa: got "${opts.hpa}", expected one of ${names}`);
      if (hpas.length > 1)
        throw new UsageError(
          `${dir} has ${hpas.length} HPAs${opts.hpa ? ` named ${opts.hpa}` : ''} (${hpas.map((h) => `${h.namespace}/${h.name}`).join(', ')}): choose one with --hpa [namespace/]name`,
        );
      const found = hpas[0]!;
      const hpa = simulatedHpa(found);
      const metric = found.metrics.find((m) => m.type === hpa.metricType && m.targetType === 'AverageValue')!;
      // KEDA runs its trigger's query itself; an HPA reads what an adapter rule serves
      const query =
        metric.kedaTrigger?.query ??
        ruleForMetric(findAdapterRules(objects), metric.name ?? '', hpa.metricType === 'External')?.found.rule;
      const staleAfter = query !== undefined ? staleAfterOf(query) : 30;
      const scrapeInterval = opts.scrapeInterval
        ? parseDuration('--scrape-interval', opts.scrapeInterval).toSeconds()
        : (pushgatewayScrapeInterval(objects) ?? DEFAULT_SCRAPE_SECONDS);
      const result = simulate({ hpa, load, duration, timing: { scrapeInterval, staleAfter } });
      if (opts.svg) writeFileSync(opts.svg, renderSvg(result, `${found.namespace}/${found.name}: ${opts.load}`));
      if (opts.json) {
        ctx.stdout(
          `${JSON.stringify({ hpa: `${found.namespace}/${found.name}`, load, scrapeInterval, staleAfter: staleAfter ?? null, changes: result.changes, syncs: result.syncs }, null, 2)}\n`,
        );
        return;
      }
      const c = colours(ctx);
      ctx.stdout(
        `${c.bold(`HPA ${found.namespace}/${found.name}`)}${found.scaledObject ? ` (KEDA's, for ScaledObject ${found.scaledObject})` : ''}: ${hpa.metricType} metric, target ${hpa.target} per pod, ${hpa.minReplicas}..${hpa.maxReplicas} replicas; ` +
          `scrape ${scrapeInterval} s, stale after ${staleAfter === undefined ? 'never' : `${staleAfter} s`}; load ${opts.load}\n\n`,
      );
      ctx.stdout(`${chart(result)}\n\n`);
      const rows = [['time', 'replicas', 'metric', 'why']];
      for (const [t, from, to] of result.changes) {
        const s = result.syncs.find((x) => x.t === t)!;
        rows.push([`${t} s`, `${from} → ${to}`, s.metric === undefined ? 'none' : String(s.metric), s.reason]);
      }
      ctx.stdout(result.changes.length ? table(rows) : 'no change of replicas\n');
      const last = result.replicas[result.replicas.length - 1];
      ctx.stdout(`final: ${last} replica(s) at ${duration} s${opts.svg ? `; chart written to ${opts.svg}` : ''}\n`);
    });
}

/** Replicas (and the offered load, scaled) over time, sampled to fit 72 columns. */
function chart(r: SimulationResult): string {
  const step = Math.max(1, Math.ceil(r.replicas.length / 72));
  const replicas = r.replicas.filter((_, i) => i % step === 0);
  const max = Math.max(...r.replicas);
  const chartText = asciichart.plot(replicas, {
    height: Math.min(10, Math.max(2, max)),
    min: 0,
    format: (x: number) => x.toFixed(0).padStart(3),
  });
  return `replicas (one column = ${step} s)\n${chartText}`;
}

/** The timeline as an SVG chart, rendered server-side by Apache ECharts (no browser). */
export function renderSvg(r: SimulationResult, title: string): string {
  // echarts is loaded only when a chart is written
  const echarts = require('echarts') as typeof import('echarts');
  const chartObj = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 900, height: 420 });
  chartObj.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: title, textStyle: { fontSize: 13 } },
    legend: { top: 24 },
    grid: { top: 60, left: 50, right: 60, bottom: 40 },
    xAxis: { type: 'value', name: 's', min: 0, max: r.replicas.length - 1 },
    yAxis: [
      { type: 'value', name: 'replicas', minInterval: 1, min: 0 },
      { type: 'value', name: 'messages / pod', min: 0 },
    ],
    series: [
      { name: 'replicas', type: 'line', step: 'end', showSymbol: false, data: r.replicas.map((v, t) => [t, v]) },
      {
        name: 'load per pod',
        type: 'line',
        step: 'end',
        showSymbol: false,
        yAxisIndex: 1,
        lineStyle: { type: 'dashed' },
        data: r.loadPerPod.map((v, t) => [t, Math.round(v)]),
      },
      {
        name: 'HPA metric',
        type: 'scatter',
        symbolSize: 4,
        yAxisIndex: 1,
        data: r.syncs.filter((s) => s.metric !== undefined).map((s) => [s.t, s.metric]),
      },
    ],
  });
  const svg = chartObj.renderToSVGString();
  chartObj.dispose();
  return svg;
}
