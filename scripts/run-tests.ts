// `npm test`: every check and every test, in parts that run at once because most of them wait rather than compute
// (2 cores here):
// - the tests on the real control plane, on several test clusters (CDK8S_INTERLOK_SCALING_CLUSTERS, default 10;
//   each in network namespaces of its own) that take the e2e files from one queue, longest first. They wait on the
//   clocks of Prometheus, the adapter and the HPA controller: an idle test cluster costs about 4 % of a core, the
//   kubectl calls of its tests most of the rest;
// - the unit and package tiers of jest (two workers: they compute, and the package tests' npm and tsc steps take
//   long);
// - lint, tsc and the API report, then (once they pass) the chain tier of jest (real Prometheus and pushgateway
//   processes that wait on scrapes: many workers).
// Each part's output is printed whole once it ends, with how long it took; the exit code is non-zero if any part
// failed. `npm run test:cluster` runs every e2e file on one cluster.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const root = join(__dirname, '..');
const e2e = readdirSync(join(root, 'test', 'e2e'))
  .filter((f) => f.endsWith('.e2e.ts'))
  .sort()
  .map((f) => `test/e2e/${f}`);
/**
 * How long each file took here (2026-11-30, 2 cores, `CI=true bash .ci/run` in fresh clones on 10 test clusters,
 * the mean of three runs of 74178f3 and edf71b5), for the order of the queue only: the longest are taken first, so
 * that the short ones fill in at the end. The same file took up to twice as long from one run to the next (the
 * README examples' suites most: their client-side applies and diffs compute), which the queue absorbs: a cluster
 * takes the next file when its last one ends (scripts/e2e-queue.ts). A file not listed counts 300 s.
 */
const SECONDS: Record<string, number> = {
  takeover: 415,
  'network-policies-readme': 415,
  doctor: 400,
  'readme-examples-3': 400,
  'kube-prometheus-stack': 365,
  keda: 360,
  'network-policy-props': 360,
  'readme-examples-5': 320,
  'scaler-switch': 300,
  hpa: 255,
  'network-policies-readme-2': 205,
  'readme-examples': 185,
  'network-policies': 150,
  'readme-examples-2': 120,
  'readme-examples-4': 120,
  'readme-examples-6': 100,
  apply: 60,
};
/**
 * 10 by default: the tests mostly wait on clocks, and the queue keeps every cluster busy to the end (bench/RESULTS.md
 * compares 8 and 10). Each cluster with its pods takes up to about 1.5 GB of memory: fewer on a smaller machine.
 */
function clusterCount(): number {
  const given = process.env.CDK8S_INTERLOK_SCALING_CLUSTERS ?? '10';
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1) {
    console.error(
      `cdk8s-interlok-scaling: CDK8S_INTERLOK_SCALING_CLUSTERS: got "${given}", expected a whole number ≥ 1`,
    );
    process.exit(2);
  }
  return Math.min(e2e.length, n);
}
const CLUSTERS = clusterCount();
const weight = (f: string) => SECONDS[/([^/]+)\.e2e\.ts$/.exec(f)![1]] ?? 300;

interface Result {
  readonly name: string;
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

const started = Date.now();
const elapsed = () => Math.round((Date.now() - started) / 1000);

/** The commands running now: a signal to this process is passed on to them (a test cluster tears itself down). */
const running = new Set<ChildProcess>();

/** Runs one command of a part, its output kept for the part's report. */
function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.on('exit', () => running.delete(child));
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => resolve({ code: 1, output: `${output}${e}\n` }));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

/** A part: its commands one after the other, up to the first that fails; reported once it ends. */
async function part(name: string, commands: Array<[string, string[]]>): Promise<Result> {
  const t0 = Date.now();
  let output = '';
  let code = 0;
  for (const [cmd, args] of commands) {
    const r = await run(cmd, args);
    output += r.output;
    code = r.code;
    if (code !== 0) {
      output += `cdk8s-interlok-scaling: \`${[cmd, ...args].join(' ')}\` exited ${code}\n`;
      break;
    }
  }
  const seconds = Math.round((Date.now() - t0) / 1000);
  process.stderr.write(`\ncdk8s-interlok-scaling: ${name}: ${code === 0 ? 'passed' : 'FAILED'} in ${seconds} s\n`);
  process.stderr.write(output);
  return { name, code, output, seconds };
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const jest = join(root, 'node_modules', '.bin', 'jest');
const tsx = (script: string, ...args: string[]): [string, string[]] => [
  process.execPath,
  ['--import', 'tsx', script, ...args],
];

async function main(): Promise<number> {
  // the binaries once, before the clusters would each build them (seconds when cached)
  const build = spawnSync(...tsx('test/cluster/cli.ts', 'build'), { cwd: root, stdio: 'inherit' });
  // the README examples' dist/ directories, synthesized once for all the e2e files that apply them
  // (test/e2e/synthesize.ts)
  const synthCache = mkdtempSync(join(tmpdir(), 'cdk8s-interlok-scaling-synth-'));
  process.env.CDK8S_INTERLOK_SCALING_SYNTH_CACHE = synthCache;
  // the e2e files, longest first, as entries that the clusters take one at a time (scripts/e2e-queue.ts)
  const queue = mkdtempSync(join(tmpdir(), 'cdk8s-interlok-scaling-queue-'));
  [...e2e]
    .sort((x, y) => weight(y) - weight(x))
    .forEach((f, i) => writeFileSync(join(queue, String(i).padStart(String(e2e.length).length, '0')), `${f}\n`));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // an interrupted run leaves nothing behind either: the signal goes on to every command (each test cluster tears
    // itself down on it), and the run's directories go once they have ended
    process.once(signal, () => {
      const ended = [...running].map((c) => new Promise((r) => c.once('exit', r)));
      for (const c of running) c.kill(signal);
      void Promise.all(ended).finally(() => {
        rmSync(synthCache, { recursive: true, force: true });
        rmSync(queue, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }
  const clusters = Array.from({ length: CLUSTERS }, (_, i) =>
    part(`test cluster ${i + 1}`, [
      build.status === 0
        ? tsx('test/cluster/cli.ts', 'run', '--hpa-sync-period=5s', '--', ...tsx('scripts/e2e-queue.ts', queue).flat())
        : [
            process.execPath,
            ['-e', 'console.error("cluster: the binaries could not be built (above)"); process.exit(1)'],
          ],
    ]),
  );
  // the unit and package tiers from the start: their package tests (npm pack, npm install, tsc of an app) are a chain
  // of steps that took 238 s after the checks while the clusters ran, ending the run (597 s of 599). The
  // chain tier's timing-bound tests wait for lint, tsc and the API report (about 300 s here), so that they run after
  // the test clusters' start, when their API servers booting at once no longer hold both cores
  const checks = part('lint, tsc, API report', [
    [npm, ['run', '-s', 'lint']],
    [join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.']],
    [npm, ['run', '-s', 'api:check']],
  ]);
  // two workers, so that the package tests' chain (consumer.test.ts: 396 to 466 s here from the start, beside the
  // clusters) runs beside the other files rather than before or after them (jest's default on 2 cores is one)
  const tiers = part('the unit and package tiers (jest)', [
    [jest, ['--ci', '--selectProjects', 'unit', 'package', '--maxWorkers=2']],
  ]);
  const chainName = 'the chain tier (jest, real Prometheus and pushgateway)';
  const chain = checks.then((c): Promise<Result> | Result =>
    c.code === 0
      ? part(chainName, [[jest, ['--ci', '--selectProjects', 'chain', '--maxWorkers=8']]])
      : { name: `${chainName}: not run, lint, tsc or the API report failed`, code: 1, output: '', seconds: 0 },
  );
  const results = await Promise.all([checks, tiers, chain, ...clusters]);
  // files no cluster took (every cluster failed to start, or ended early): never run, so the run fails
  const left = readdirSync(queue)
    .filter((e) => e !== 'taken')
    .map((e) => readFileSync(join(queue, e), 'utf8').trim());
  if (left.length) results.push({ name: `never run: ${left.join(', ')}`, code: 1, output: '', seconds: 0 });
  rmSync(synthCache, { recursive: true, force: true });
  rmSync(queue, { recursive: true, force: true });
  console.error(`\ncdk8s-interlok-scaling: npm test took ${elapsed()} s`);
  for (const r of results) {
    console.error(`  ${r.code === 0 ? 'passed' : 'FAILED'} ${r.seconds} s  ${r.name}`);
    // a test cluster's files, each with its time (scripts/e2e-queue.ts prints them last)
    const ran = /\nthis test cluster ran:\n((?: {2}.*\n?)*)/.exec(r.output)?.[1];
    if (ran) console.error(ran.trimEnd().replace(/^/gm, '    '));
  }
  return results.find((r) => r.code !== 0)?.code ?? 0;
}

main().then((code) => process.exit(code));
