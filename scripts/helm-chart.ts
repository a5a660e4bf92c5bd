// Builds a Helm chart of the stack with `cdk8s synth --format helm` (offline), named after the stack rather than
// after whatever directory the repository was cloned into:
//   npm run helm-chart [-- <output dir>]      (default build/helm/interlok-autoscaling)
import { execFileSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { parse, stringify } from 'yaml';

export const CHART_NAME = 'interlok-autoscaling';

export function buildHelmChart(outdir: string): string {
  const root = resolve(__dirname, '..');
  const version: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf-8')).version;
  execFileSync(
    join(root, 'node_modules', '.bin', 'cdk8s'),
    ['synth', '--no-check-upgrade', '--format', 'helm', '--chart-version', version, '--output', outdir],
    { cwd: root, stdio: 'pipe', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } },
  );
  const chartFile = join(outdir, 'Chart.yaml');
  const chart = parse(readFileSync(chartFile, 'utf-8'));
  writeFileSync(
    chartFile,
    stringify({
      ...chart,
      name: CHART_NAME,
      description:
        'Interlok that scales on MessageMetrics: pushgateway, Prometheus, prometheus-adapter and an autoscaling/v2 HPA',
      appVersion: version,
    }),
  );
  return outdir;
}

if (require.main === module) {
  const out = resolve(process.argv[2] ?? join(__dirname, '..', 'build', 'helm', CHART_NAME));
  console.log(buildHelmChart(out));
}
