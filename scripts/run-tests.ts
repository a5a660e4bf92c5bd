// `npm test`: every check and every test, in parts that run at once because most of them wait rather than compute
// (2 cores here):
// - the tests on the real control plane, dealt over several test clusters (CDK8S_INTERLOK_SCALING_CLUSTERS, default
//   8; each in network namespaces of its own). They wait on the clocks of Prometheus, the adapter and the HPA
//   controller: an idle test cluster costs about 5 % of a core, the kubectl calls of its tests most of the rest;
// - lint, tsc, the API report, then the unit and package tiers of jest (one worker: they compute);
// - the chain tier of jest (real Prometheus and pushgateway processes that wait on scrapes: many workers).
// Each part's output is printed whole once it ends, with how long it took; the exit code is non-zero if any part
// failed. `npm run test:cluster` runs every e2e file on one cluster.
import { spawn, spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const root = join(__dirname, '..');
const e2e = readdirSync(join(root, 'test', 'e2e'))
  .filter((f) => f.endsWith('.e2e.ts'))
  .sort()
  .map((f) => `test/e2e/${f}`);
/**
 * The longest each file took in two whole runs here (2026-11-30, 2 cores, 8 clusters and jest beside it: `npm test`
 * and `CI=true bash .ci/run` in a fresh clone): the files are dealt longest first to the cluster with the least so
 * far, so that the clusters finish close together. The same file took up to twice as long from one run to the next
 * (the README examples' suites most: their applies and diffs compute), so the worse of the two counts. A file not
 * listed counts 300 s. KEDA and prometheus-operator start only in the files that install them.
 */
const SECONDS: Record<string, number> = {
  'readme-examples': 528,
  doctor: 477,
  'readme-examples-2': 456,
  takeover: 393,
  'network-policies-readme': 367,
  'network-policy-props': 346,
  'kube-prometheus-stack': 293,
  keda: 282,
  hpa: 267,
  'scaler-switch': 264,
  'network-policies-readme-2': 256,
  'network-policies': 148,
  apply: 92,
};
const CLUSTERS = Math.max(1, Number(process.env.CDK8S_INTERLOK_SCALING_CLUSTERS ?? 8));
const weight = (f: string) => SECONDS[/([^/]+)\.e2e\.ts$/.exec(f)![1]] ?? 300;
const groups: string[][] = Array.from({ length: CLUSTERS }, () => []);
for (const f of [...e2e].sort((x, y) => weight(y) - weight(x))) {
  const load = (g: string[]) => g.reduce((sum, x) => sum + weight(x), 0);
  groups.reduce((min, g) => (load(g) < load(min) ? g : min)).push(f);
}

interface Result {
  readonly name: string;
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

const started = Date.now();
const elapsed = () => Math.round((Date.now() - started) / 1000);

/** Runs one command of a part, its output kept for the part's report. */
function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
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
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // an interrupted run leaves nothing behind either (each test cluster tears itself down on the same signal)
    process.once(signal, () => {
      rmSync(synthCache, { recursive: true, force: true });
      process.exit(130);
    });
  }
  const clusters = groups
    .filter((g) => g.length > 0)
    .map((files, i) =>
      part(`test cluster ${i + 1} (${files.join(', ')})`, [
        build.status === 0
          ? tsx(
              'test/cluster/cli.ts',
              'run',
              '--hpa-sync-period=5s',
              '--',
              'jest',
              '--ci',
              '-c',
              'test/e2e/jest.config.js',
              '--verbose',
              ...files,
            )
          : [
              process.execPath,
              ['-e', 'console.error("cluster: the binaries could not be built (above)"); process.exit(1)'],
            ],
      ]),
    );
  const checks = part('lint, tsc, API report, then the unit and package tiers (jest)', [
    [npm, ['run', '-s', 'lint']],
    [join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.']],
    [npm, ['run', '-s', 'api:check']],
    [jest, ['--ci', '--selectProjects', 'unit', 'package']],
  ]);
  const chain = part('the chain tier (jest, real Prometheus and pushgateway)', [
    [jest, ['--ci', '--selectProjects', 'chain', '--maxWorkers=8']],
  ]);
  const results = await Promise.all([checks, chain, ...clusters]);
  rmSync(synthCache, { recursive: true, force: true });
  console.error(`\ncdk8s-interlok-scaling: npm test took ${elapsed()} s`);
  for (const r of results) console.error(`  ${r.code === 0 ? 'passed' : 'FAILED'} ${r.seconds} s  ${r.name}`);
  return results.find((r) => r.code !== 0)?.code ?? 0;
}

main().then((code) => process.exit(code));
