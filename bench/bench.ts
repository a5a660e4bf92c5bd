/**
 * `npm run bench`: synthesis speed and memory, measured in one run against references measured in the same run
 * (this machine is shared and noisy), with a warm-up and medians. Writes bench/RESULTS.md. A benchmark, not a test:
 * it asserts nothing, it records.
 */
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { cpus, totalmem, tmpdir } from 'os';
import { join } from 'path';
import { buildHelmChart, CHART_NAME } from '../scripts/helm-chart';
import { helmBinary } from '../test/tools';

const root = join(__dirname, '..');
const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
const pkg = require('../package.json');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Wall time of a command in ms: one warm-up, then the median of `runs`. */
function time(cmd: string, args: string[], runs: number): { median: number; all: number[] } {
  const once = () => {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  once();
  const all = Array.from({ length: runs }, once);
  return { median: median(all), all };
}

interface FleetRun {
  n: number;
  loadMs: number;
  constructMs: number;
  synthMs: number;
  totalMs: number;
  peakRssMiB: number;
}

function fleet(n: number, runs: number): FleetRun {
  const results: FleetRun[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [join(__dirname, 'fleet-child.js'), String(n)], {
      cwd: root,
      env,
      maxBuffer: 1 << 20,
    });
    results.push(JSON.parse(out.toString()));
  }
  const m = (k: keyof FleetRun) => median(results.map((r) => r[k]));
  return {
    n,
    loadMs: m('loadMs'),
    constructMs: m('constructMs'),
    synthMs: m('synthMs'),
    totalMs: m('totalMs'),
    peakRssMiB: Math.max(...results.map((r) => r.peakRssMiB)),
  };
}

const f = (ms: number) => `${Math.round(ms)} ms`;
const ok = (pass: boolean) => (pass ? 'met' : '**missed**');

function main(): void {
  console.error('building the compiled library (npm run build)');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, env, stdio: 'inherit' });

  const RUNS = 9;
  console.error('floor, npm run synth, tsx');
  const floor = time(process.execPath, ['-e', "require('cdk8s'); require('cdk8s-plus-27')"], RUNS);
  const synthScript = time('sh', ['-c', pkg.scripts.synth], RUNS);
  const npmSynth = time('npm', ['run', '-s', 'synth'], 5);
  const tsxSynth = time(process.execPath, ['--import', 'tsx', 'main.ts'], RUNS);
  const compiledDefault = fleet(1, RUNS);

  console.error('helm template');
  const dir = mkdtempSync(join(tmpdir(), 'bench-helm-'));
  const chart = buildHelmChart(join(dir, CHART_NAME));
  const helm = time(helmBinary(), ['template', 'release', chart], RUNS);
  rmSync(dir, { recursive: true, force: true });

  console.error('fleets');
  const sizes: Array<[number, number]> = [
    [1, 5],
    [10, 5],
    [100, 5],
    [1000, 3],
    [3000, 3],
  ];
  const fleets = sizes.map(([n, runs]) => {
    console.error(`  ${n}`);
    return fleet(n, runs);
  });
  const at = (n: number) => fleets.find((x) => x.n === n)!;
  const perInterlok = (a: FleetRun, b: FleetRun) => (b.totalMs - a.totalMs) / (b.n - a.n);

  const synthRatio = synthScript.median / floor.median;
  const f1000 = at(1000);
  const f3000 = at(3000);
  const slopes = [
    [at(10), at(100)],
    [at(100), at(1000)],
    [at(1000), at(3000)],
  ].map(([a, b]) => perInterlok(a, b));

  const lines = [
    '# Benchmark results',
    '',
    `Measured by \`npm run bench\` (bench/bench.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, cdk8s-interlok-scaling ${pkg.version}. Medians after one warm-up; every reference is measured in the same run.`,
    '',
    '## The default stack',
    '',
    '| what | median | runs (ms) |',
    '|---|---|---|',
    `| floor: \`node -e "require('cdk8s'); require('cdk8s-plus-27')"\` | ${f(floor.median)} | ${floor.all.map(Math.round).join(', ')} |`,
    `| \`npm run synth\`'s command (esbuild bundle of main.ts, then node) | ${f(synthScript.median)} (${synthRatio.toFixed(2)}× the floor) | ${synthScript.all.map(Math.round).join(', ')} |`,
    `| \`npm run -s synth\` with npm's own start-up | ${f(npmSynth.median)} | ${npmSynth.all.map(Math.round).join(', ')} |`,
    `| before: \`node --import tsx main.ts\` (the TypeScript loader) | ${f(tsxSynth.median)} (${(tsxSynth.median / floor.median).toFixed(2)}× the floor) | ${tsxSynth.all.map(Math.round).join(', ')} |`,
    `| compiled JS in one process: load ${f(compiledDefault.loadMs)}, construct ${f(compiledDefault.constructMs)}, synth ${f(compiledDefault.synthMs)} | ${f(compiledDefault.totalMs)} | peak RSS ${Math.round(compiledDefault.peakRssMiB)} MiB |`,
    `| \`helm template\` of the chart \`npm run helm-chart\` builds (the same objects) | ${f(helm.median)} | ${helm.all.map(Math.round).join(', ')} |`,
    '',
    '## Fleets: N Interloks on one stack (compiled JS, a fresh process each)',
    '',
    '20 namespaces, every other Interlok with its own adapter.xml and a second metric name (bench/fleet-child.js).',
    '',
    '| Interloks | load | construct | synth | total | peak RSS |',
    '|---|---|---|---|---|---|',
    ...fleets.map(
      (r) =>
        `| ${r.n} | ${f(r.loadMs)} | ${f(r.constructMs)} | ${f(r.synthMs)} | ${f(r.totalMs)} | ${Math.round(r.peakRssMiB)} MiB |`,
    ),
    '',
    `Cost per added Interlok: ${slopes.map((s, i) => `${['10→100', '100→1000', '1000→3000'][i]}: ${s.toFixed(2)} ms`).join('; ')}.`,
    '',
    '## Goals',
    '',
    '| goal | measured | |',
    '|---|---|---|',
    `| \`npm run synth\` at most 2× the floor | ${synthRatio.toFixed(2)}× | ${ok(synthRatio <= 2)} |`,
    `| a fleet of 1000 in at most 3 s and 250 MiB | ${(f1000.totalMs / 1000).toFixed(2)} s, ${Math.round(f1000.peakRssMiB)} MiB | ${ok(f1000.totalMs <= 3000 && f1000.peakRssMiB <= 250)} |`,
    `| a fleet of 3000 in at most 3.3× the time of 1000 | ${(f3000.totalMs / f1000.totalMs).toFixed(2)}× (${(f3000.totalMs / 1000).toFixed(2)} s, ${Math.round(f3000.peakRssMiB)} MiB) | ${ok(f3000.totalMs <= 3.3 * f1000.totalMs)} |`,
    `| per-Interlok cost flat from 100 to 3000 | ${slopes[1].toFixed(2)} ms (100→1000), ${slopes[2].toFixed(2)} ms (1000→3000) | ${ok(slopes[2] <= 1.25 * slopes[1])} |`,
    '',
    '## Where the time goes',
    '',
    'A CPU profile of the 1000 fleet (`node --cpu-prof bench/fleet-child.js 1000`) puts about half of it in the',
    '`yaml` package stringifying the manifests (each Interlok adds a Deployment with two containers, a Service, a',
    'PodDisruptionBudget and an HPA; a Grafana dashboard each, now opt-in for fleet members, took the 3000 fleet',
    "from about 5 s and 330 MiB to about 7 s and 580 MiB in a run of this script), a fifth in cdk8s's own",
    'resolution, and the rest in construction and garbage collection; our validations no longer show up. Before this',
    "change every construct's validation walked the whole tree (`node.findAll()`): 9 s for 1000 Interloks, quadratic.",
    'Now cross-construct rules read an index built once per synthesis (`lib/kit/app-index.ts`). `npm run synth` ran',
    'main.ts through the tsx loader, which cost as much as the synthesis; it now runs an esbuild bundle.',
    '',
  ];
  // the real control plane's section is npm run bench:cluster's: kept as it is
  const previous = existsSync(join(__dirname, 'RESULTS.md')) ? readFileSync(join(__dirname, 'RESULTS.md'), 'utf8') : '';
  const cluster = /<!-- cluster-bench:[\s\S]*?<!-- \/cluster-bench -->/.exec(previous)?.[0];
  writeFileSync(join(__dirname, 'RESULTS.md'), lines.join('\n') + (cluster ? `\n${cluster}\n` : ''));
  console.log(lines.join('\n'));
}

main();
