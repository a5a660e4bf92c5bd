// `npm test`'s last step: the unit and chain tests (jest) and the tests on the real control plane at once, the
// latter split over two test clusters (each its own network namespaces). The cluster tests mostly wait on the
// clocks of Prometheus and the HPA controller, so running them beside jest takes the time of the longest part
// instead of the sum (about 8 minutes instead of 16 on 2 cores). The clusters' output follows jest's, whole; the
// exit code is non-zero if any part failed. `npm run test:cluster` runs every e2e file on one cluster.
import { spawn, spawnSync } from 'child_process';
import { readdirSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..');
const e2e = readdirSync(join(root, 'test', 'e2e')).filter((f) => f.endsWith('.e2e.ts')).sort().map((f) => `test/e2e/${f}`);
/**
 * The longest files apart: the HPA scenarios, the NetworkPolicy traffic, KEDA's scenarios (about 4 min) and the
 * hpa ↔ keda switch (about 3.5 min) on the first cluster; the rest (the apply checks, the README examples,
 * kube-prometheus-stack) on the second. KEDA and prometheus-operator start only in the files that install them.
 */
const first = e2e.filter((f) => /\/(hpa|network-policies|keda|scaler-switch)\.e2e\.ts$/.test(f));
const second = e2e.filter((f) => !first.includes(f));

function run(name: string, cmd: string, args: string[], capture: boolean): Promise<{ name: string; code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'] });
    let output = '';
    child.stdout?.on('data', (d) => { output += d; });
    child.stderr?.on('data', (d) => { output += d; });
    child.on('exit', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), output }));
  });
}

const cluster = (files: string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', 'test/cluster/cli.ts', 'run',
  '--hpa-sync-period=5s', '--', 'jest', '--ci', '-c', 'test/e2e/jest.config.js', ...files]];

async function main(): Promise<number> {
  // build the binaries once, before two clusters would each build them
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'test/cluster/cli.ts', 'build'], { cwd: root, stdio: 'inherit' });
  const clusters = [first, second].filter((f) => f.length > 0).map((files, i) =>
    (build.status === 0 ? run(`test cluster ${i + 1} (${files.join(', ')})`, ...cluster(files), true)
      : Promise.resolve({ name: `test cluster ${i + 1}`, code: 1, output: 'cluster: the binaries could not be built (above)\n' })));
  const results = [await run('unit and chain tests (jest)', 'jest', ['--ci'], false)];
  for (const c of clusters) {
    const r = await c;
    console.error(`\ncdk8s-interlok-scaling: ${r.name}:`);
    process.stderr.write(r.output);
    results.push(r);
  }
  for (const r of results.filter((x) => x.code !== 0)) console.error(`cdk8s-interlok-scaling: ${r.name} failed (exit ${r.code})`);
  return results.find((r) => r.code !== 0)?.code ?? 0;
}

main().then((code) => process.exit(code));
