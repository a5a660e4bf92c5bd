// `npm test`'s last step: the unit and chain tests (jest) and the tests on the real control plane at once, the
// latter split over several test clusters (CDK8S_INTERLOK_SCALING_CLUSTERS, default 4; each its own network
// namespaces). The cluster tests mostly wait on the
// clocks of Prometheus and the HPA controller, so running them beside jest takes the time of the longest part
// instead of the sum (about 8 minutes instead of 16 on 2 cores). The clusters' output follows jest's, whole; the
// exit code is non-zero if any part failed. `npm run test:cluster` runs every e2e file on one cluster.
import { spawn, spawnSync } from 'child_process';
import { readdirSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..');
const e2e = readdirSync(join(root, 'test', 'e2e'))
  .filter((f) => f.endsWith('.e2e.ts'))
  .sort()
  .map((f) => `test/e2e/${f}`);
/**
 * Minutes each file took alone on this 2-core machine (most of it waiting on controller clocks): the files are dealt
 * longest first to the cluster with the least so far, so the clusters finish close together. A file not listed
 * counts 3 minutes. KEDA and prometheus-operator start only in the files that install them.
 */
const MINUTES: Record<string, number> = {
  hpa: 5,
  'network-policies': 2,
  'network-policy-props': 5,
  'network-policies-readme': 8,
  'readme-examples': 4,
  apply: 1.5,
  takeover: 7,
  keda: 5,
  'scaler-switch': 3.5,
  'kube-prometheus-stack': 5,
  doctor: 5,
};
const CLUSTERS = Math.max(1, Number(process.env.CDK8S_INTERLOK_SCALING_CLUSTERS ?? 4));
const weight = (f: string) => MINUTES[/([^/]+)\.e2e\.ts$/.exec(f)![1]] ?? 3;
const groups: string[][] = Array.from({ length: CLUSTERS }, () => []);
for (const f of [...e2e].sort((x, y) => weight(y) - weight(x))) {
  const load = (g: string[]) => g.reduce((sum, x) => sum + weight(x), 0);
  groups.reduce((min, g) => (load(g) < load(min) ? g : min)).push(f);
}

function run(
  name: string,
  cmd: string,
  args: string[],
  capture: boolean,
): Promise<{ name: string; code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
    });
    let output = '';
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    child.on('exit', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), output }));
  });
}

const cluster = (files: string[]): [string, string[]] => [
  process.execPath,
  [
    '--import',
    'tsx',
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
  ],
];

async function main(): Promise<number> {
  // build the binaries once, before the clusters would each build them
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'test/cluster/cli.ts', 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  const clusters = groups
    .filter((f) => f.length > 0)
    .map((files, i) =>
      build.status === 0
        ? run(`test cluster ${i + 1} (${files.join(', ')})`, ...cluster(files), true)
        : Promise.resolve({
            name: `test cluster ${i + 1}`,
            code: 1,
            output: 'cluster: the binaries could not be built (above)\n',
          }),
    );
  const results = [await run('unit and chain tests (jest)', 'jest', ['--ci'], false)];
  for (const c of clusters) {
    const r = await c;
    console.error(`\ncdk8s-interlok-scaling: ${r.name}:`);
    process.stderr.write(r.output);
    results.push(r);
  }
  for (const r of results.filter((x) => x.code !== 0))
    console.error(`cdk8s-interlok-scaling: ${r.name} failed (exit ${r.code})`);
  return results.find((r) => r.code !== 0)?.code ?? 0;
}

main().then((code) => process.exit(code));
