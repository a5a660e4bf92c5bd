/**
 * `doctor` against a real pushgateway and Prometheus (configured from dist/), healthy and broken: no honor_labels,
 * stale groups, a wrong namespace label, the guide's unscoped rule, an unreachable Prometheus. Prometheus scrapes on
 * the harness's short clock (1 s).
 */
import { writeFileSync } from 'fs';
import { AddressInfo, createServer } from 'net';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { distObjects, findObject, MetricsChain, shortClockObjects } from './harness';
import { runCli } from '../support/cli';

const root = join(__dirname, '..', '..');
const prometheusYaml: string = findObject(shortClockObjects(), 'ConfigMap', 'interlok-scaling-prometheus').data[
  'prometheus.yml'
];

const cli = runCli;

let chain: MetricsChain;
let noHonor: MetricsChain;
beforeAll(async () => {
  const config = parse(prometheusYaml);
  delete config.scrape_configs[0].honor_labels;
  [chain, noHonor] = await Promise.all([MetricsChain.start(prometheusYaml), MetricsChain.start(stringify(config))]);
  await chain.pushAsInterlok('default', 'interlok-1', 150);
  await chain.pushAsInterlok('default', 'interlok-gone', 20);
  await chain.pushAsInterlok('team-a', 'interlok-1', 10);
  await noHonor.pushAsInterlok('default', 'interlok-1', 150);
  await Promise.all([
    chain.waitFor('count(MessageMetrics)', (s) => s.length === 1 && Number(s[0]!.value[1]) === 3),
    noHonor.waitFor('count(MessageMetrics)', (s) => s.length === 1),
  ]);
}, 60000);
afterAll(async () => {
  await Promise.all([chain?.stop(), noHonor?.stop()]);
});

test("healthy: every check passes, the adapter returns 150 for the pod, the HPA wants 2; a gone pod's group is a warning", async () => {
  const r = await cli(
    'doctor',
    '--prometheus',
    chain.prometheusUrl,
    '--pushgateway',
    chain.pushgatewayUrl,
    '--namespace',
    'default',
    '--pods',
    'interlok-1',
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  for (const name of [
    'adapter rule',
    'Prometheus',
    'metric',
    'pod labels',
    'honor_labels',
    'namespace',
    'freshness',
    'pushgateway',
    'scoped query',
  ]) {
    expect(r.stdout).toMatch(new RegExp(`^ok    ${name}: `, 'm'));
  }
  expect(r.stdout).toMatch(
    /^warn  groups of gone pods: 1 group\(s\) of pods not in --pods: interlok-gone\n      fix: .*curl -X DELETE/m,
  );
  expect(r.stdout).toContain(
    'max by (k8s_pod_name) (MessageMetrics{k8s_namespace="default",k8s_pod_name="interlok-1"} * (time() - push_time_seconds{k8s_namespace="default",k8s_pod_name="interlok-1"} < bool 30))',
  );
  expect(r.stdout).toMatch(/interlok-1\s+fresh\s+\d+ s\s+150\s+150/);
  expect(r.stdout).toContain('External total 150 → 2  (ceil(150 / 100))');
  const json = JSON.parse((await cli('doctor', '--prometheus', chain.prometheusUrl, '--json')).stdout);
  expect(json.pods.map((p: any) => [p.pod, p.adapterValue])).toEqual([
    ['interlok-1', 150],
    ['interlok-gone', 20],
  ]);
  expect(json.decision.external).toMatchObject({ total: 170, desiredReplicas: 2 });
});

test('no honor_labels: exported_* labels found, with the fix', async () => {
  const r = await cli('doctor', '--prometheus', noHonor.prometheusUrl, '--namespace', 'default');
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(
    /^FAIL  honor_labels: pushed labels were renamed by Prometheus: exported_job\n      fix: set honor_labels: true/m,
  );
  expect(r.stderr).toBe('cdk8s-interlok-scaling: error: 1 check(s) failed: honor_labels\n');
});

test('wrong namespace label: no series in the namespace the pods run in; the fix names K8S_NAMESPACE', async () => {
  const r = await cli('doctor', '--prometheus', chain.prometheusUrl, '--namespace', 'team-b');
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(
    /^FAIL  namespace: no series with k8s_namespace="team-b"; pushed namespaces: default, team-a\n      fix: .*K8S_NAMESPACE/m,
  );
});

test("the guide's unscoped rule: the pod of another namespace with the same name mixes in", async () => {
  const r = await cli(
    'doctor',
    '--prometheus',
    chain.prometheusUrl,
    '--namespace',
    'team-a',
    '--pods',
    'interlok-1',
    '--adapter-config',
    join(root, 'test', 'fixtures', 'guide-app.yaml'),
  );
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(
    /^FAIL  scoped query: the metricsQuery does not use <<\.LabelMatchers>>: it reads every namespace/m,
  );
  expect(r.stdout).toContain('adapter query:\n  MessageMetrics\n');
});

test('stale groups: listed, read 0 through the rule, and the HPA goes to its minimum', async () => {
  const file = join(chain.dir, 'adapter.yaml');
  writeFileSync(
    file,
    stringify({
      rules: [
        {
          seriesQuery: 'MessageMetrics{k8s_namespace!="",k8s_pod_name!=""}',
          resources: { overrides: { k8s_namespace: { resource: 'namespace' }, k8s_pod_name: { resource: 'pod' } } },
          name: { matches: '^MessageMetrics$', as: 'MessageMetrics' },
          metricsQuery:
            'max by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>} * (time() - push_time_seconds{<<.LabelMatchers>>} < bool 1))',
        },
      ],
    }),
  );
  await new Promise((r) => setTimeout(r, 1100));
  const r = await cli(
    'doctor',
    '--prometheus',
    chain.prometheusUrl,
    '--namespace',
    'default',
    '--adapter-config',
    file,
    '--stale-after',
    '1s',
    '--json',
  );
  expect(r.code).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(j.checks.find((c: any) => c.name === 'freshness')).toMatchObject({ status: 'warn' });
  expect(j.pods.map((p: any) => [p.pod, p.group, p.adapterValue])).toEqual([
    ['interlok-1', 'stale', 0],
    ['interlok-gone', 'stale', 0],
  ]);
  expect(j.decision.external).toMatchObject({ total: 0, desiredReplicas: 1 });
});

test('the HPA of the manifests sets the target, min and max replicas; flags still override them', async () => {
  // another Interlok's HPA: 40 per pod, 2..8 replicas
  const objects = distObjects().map((o) =>
    o.kind !== 'HorizontalPodAutoscaler'
      ? o
      : {
          ...o,
          spec: {
            ...o.spec,
            minReplicas: 2,
            maxReplicas: 8,
            metrics: [
              {
                type: 'External',
                external: { ...o.spec.metrics[0].external, target: { type: 'AverageValue', averageValue: '40' } },
              },
            ],
          },
        },
  );
  const file = join(chain.dir, 'app.yaml');
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  const run = async (...extra: string[]) => {
    const r = await cli(
      'doctor',
      '--prometheus',
      chain.prometheusUrl,
      '--namespace',
      'default',
      '--pods',
      'interlok-1',
      ...extra,
    );
    return { ...r, json: extra.includes('--json') ? JSON.parse(r.stdout) : undefined };
  };
  const read = await run('--manifests', file, '--json');
  expect(read.code).toBe(0);
  expect(read.json.hpa).toEqual({
    name: 'default/interlok-autoscaler',
    from: file,
    metricType: 'External',
    target: 40,
    minReplicas: 2,
    maxReplicas: 8,
  });
  expect(read.json.decision.external).toMatchObject({ total: 150, desiredReplicas: 4 });
  const text = await run('--manifests', file);
  expect(text.stdout).toContain(
    `the HPA would decide (from 1 replica(s); HPA default/interlok-autoscaler in ${file}: External, 40 per pod, 2..8 replicas):`,
  );
  expect(text.stdout).toContain('External total 150 → 4  (ceil(150 / 40))');
  // flags win over the manifests
  const overridden = await run('--manifests', file, '--target', '100', '--max-replicas', '3', '--json');
  expect(overridden.json.hpa).toMatchObject({ target: 100, minReplicas: 2, maxReplicas: 3 });
  expect(overridden.json.decision.external.desiredReplicas).toBe(2);
  // without manifests: 100 per pod, 1..5, as before
  expect((await run('--json')).json.hpa).toEqual({
    metricType: undefined,
    target: 100,
    minReplicas: 1,
    maxReplicas: 5,
  });
  // manifests with no HPA in the namespace: bad usage, naming the HPAs they have
  const other = await cli('doctor', '--prometheus', chain.prometheusUrl, '--namespace', 'team-a', '--manifests', file);
  expect(other).toMatchObject({
    code: 2,
    stdout: '',
    stderr: `cdk8s-interlok-scaling: error: --manifests: no HPA or ScaledObject in namespace team-a in ${file} (it has default/interlok-autoscaler): give the namespace with --namespace\n`,
  });
});

test('an unreachable Prometheus: one failed check with the port-forward to run', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = s.address() as AddressInfo;
      s.close(() => resolve(p));
    });
  });
  const r = await cli('doctor', '--prometheus', `http://127.0.0.1:${port}`);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(
    /^FAIL  Prometheus: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n      fix: .*kubectl -n interlok-scaling port-forward svc\/interlok-scaling-prometheus 9090:80/m,
  );
  expect(r.stderr).toBe('cdk8s-interlok-scaling: error: 1 check(s) failed: Prometheus\n');
  expect((await cli('doctor', '--prometheus', 'localhost:9090')).code).toBe(2);
});
