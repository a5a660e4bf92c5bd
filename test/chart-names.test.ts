// No object of dist/ or of the README's examples has a kind and name that the charts users run beside this stack
// render with their default release names: an apply of ours would merge into theirs (issue 17). The APIServices are
// the exception nobody can avoid (their names are fixed by the metrics APIs): `preflight` checks who serves them.
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { Manifest, runReadmeExample } from './helpers';
import { readmeExamples } from './readme-examples';
import { DEFAULT_NAMES, MonitoringNames } from '../lib/kit/monitoring-names';
import { synthStack } from './helpers';

const root = join(__dirname, '..');
const fixtures = join(__dirname, 'fixtures');
const common = JSON.parse(readFileSync(join(fixtures, 'common-chart-names.json'), 'utf-8'));
const adapterChart = JSON.parse(readFileSync(join(fixtures, 'prometheus-adapter-chart-names.json'), 'utf-8'));

/** `Kind/name` of everything the charts render under their default release names. */
function chartNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const [chart, spec] of Object.entries<any>(common.charts)) {
    for (const o of spec.objects ?? []) for (const kind of o.kinds) names.set(`${kind}/${o.name}`, chart);
  }
  for (const o of [...adapterChart.objects, ...adapterChart.legacyTemplatesNotInCurrentChart]) {
    names.set(`${o.kind}/${o.names['prometheus-adapter']}`, 'prometheus-adapter');
  }
  return names;
}

function clashes(objects: Manifest[]): string[] {
  const theirs = chartNames();
  const found: string[] = [];
  for (const o of objects) {
    if (o.kind === 'APIService') continue; // fixed names: preflight's job
    const chart = theirs.get(`${o.kind}/${o.metadata.name}`);
    if (chart) found.push(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} is what chart ${chart} renders`);
    if (o.metadata.namespace && common.namespaces.includes(o.metadata.namespace))
      found.push(`${o.kind} ${o.metadata.namespace}/${o.metadata.name} is in the charts' namespace`);
    if (o.kind === 'Namespace' && common.namespaces.includes(o.metadata.name))
      found.push(`Namespace ${o.metadata.name} is the charts' namespace`);
  }
  return found;
}

test('the fixture holds the names the takeover was about (so that the comparison means something)', () => {
  const theirs = chartNames();
  for (const key of [
    'Deployment/prometheus-server',
    'ConfigMap/prometheus-server',
    'Deployment/prometheus-pushgateway',
    'Service/prometheus-pushgateway',
    'Deployment/prometheus-adapter',
    'ServiceAccount/prometheus-adapter',
    'Service/prometheus-operated',
    'Deployment/kube-prometheus-stack-operator',
  ]) {
    expect(theirs.has(key)).toBe(true);
  }
  // and MonitoringNames.guide() is exactly what those charts create: on request only
  const guide = MonitoringNames.guide();
  expect(
    [`Deployment/${guide.prometheus}`, `Deployment/${guide.pushgateway}`, `Deployment/${guide.adapter}`].every((k) =>
      theirs.has(k),
    ),
  ).toBe(true);
  expect(clashes(synthStack({ monitoring: { names: guide } })).length).toBeGreaterThan(10);
});

test('dist/ writes no kind/name a common chart renders, and nothing in their namespace', () => {
  const dist = join(root, 'dist', 'interlok-autoscaling.k8s.yaml');
  const objects = parseAllDocuments(readFileSync(dist, 'utf-8'))
    .map((d) => d.toJSON())
    .filter(Boolean);
  expect(objects.length).toBeGreaterThan(20);
  expect(clashes(objects)).toEqual([]);
  expect(objects.find((o: any) => o.kind === 'Namespace')?.metadata.name).toBe(DEFAULT_NAMES.namespace);
  // Interlok's namespace (default) is used, never emitted
  expect(objects.filter((o: any) => o.kind === 'Namespace').map((o: any) => o.metadata.name)).toEqual([
    DEFAULT_NAMES.namespace,
  ]);
});

const readme = readFileSync(join(root, 'README.md'), 'utf-8');
test.each(readmeExamples(readme).map((e) => [e.heading]))(
  'README example "%s" writes no kind/name a common chart renders',
  (heading) => {
    const objects = runReadmeExample(heading);
    expect(objects.length).toBeGreaterThan(0);
    expect(clashes(objects)).toEqual([]);
  },
);
