/**
 * Issue 8: the chain on what the README's fleet example synthesizes, for every team, on the real pushgateway and
 * Prometheus: the example's Prometheus config, its adapter rules, and each HPA as it is written. So it keeps the
 * example's 10 s scrape rather than the harness's short clocks: it waits for one scrape, and on no stale window.
 */
import { parse } from 'yaml';
import { AdapterRuleConfig } from '../../lib';
import { runReadmeExample } from '../helpers';
import { findObject, hpaSpec, Manifest, MetricsChain, podName } from './harness';

const objects = runReadmeExample('A fleet: many Interloks on one stack');
const prometheusYaml: string = findObject(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml'];
const externalRules: AdapterRuleConfig[] = parse(
  findObject(objects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml'],
).externalRules;
const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');

let chain: MetricsChain;
beforeAll(async () => {
  chain = await MetricsChain.start(prometheusYaml);
  const pushes: Array<[string, string, number, string]> = [
    ['team-a', podName('orders', 1), 150, 'MessageMetrics'],
    ['team-b', podName('invoices', 1), 120, 'InvoiceMetrics'],
    ['team-b', podName('invoices', 2), 120, 'InvoiceMetrics'],
    ['team-c', podName('shipping', 1), 450, 'MessageMetrics'],
    ['team-c', podName('returns', 1), 10, 'MessageMetrics'],
    ['team-c', podName('returns', 2), 20, 'MessageMetrics'],
  ];
  for (const [ns, pod, value, metric] of pushes) await chain.pushAsInterlok(ns, pod, value, metric);
  await chain.waitFor(
    'count({__name__=~"MessageMetrics|InvoiceMetrics"})',
    (s) => s[0]?.value[1] === String(pushes.length),
  );
}, 60000);
afterAll(async () => {
  await chain?.stop();
});

/** What the HPA named `name` decides: its own metric's rule, its selector, its namespace. */
async function decide(name: string, currentReplicas: number) {
  const hpa: Manifest = hpas.find((h) => h.metadata.name === name)!;
  const spec = hpaSpec(hpa);
  const rule = externalRules.find((r) => r.name.as === spec.metricName)!;
  return chain.externalDecision(rule, spec, { namespace: hpa.metadata.namespace, currentReplicas });
}

test.each([
  // HPA, current replicas, the total it reads, what it wants
  ['orders-autoscaler', 1, 150, 2], // the guide's headline, in team A's namespace
  ['invoices-autoscaler', 2, 240, 5], // another metric and a target of 50: ceil(240 / 50) = 5
  ['shipping-autoscaler', 1, 450, 5], // ceil(450 / 100) = 5, the maximum
  ['returns-autoscaler', 2, 30, 2], // the same namespace and metric as shipping, yet only its own pods: min 2
])("%s reads its own Deployment's pods and scales on them", async (name, current, total, wanted) => {
  const d = await decide(name as string, current as number);
  expect(d.values).toEqual([total]);
  expect(d.desiredReplicas).toBe(wanted);
});

test("a team with no pushes yet reads 0 (minReplicas), not another team's load", async () => {
  const hpa = hpas.find((h) => h.metadata.name === 'orders-autoscaler')!;
  const rule = externalRules.find((r) => r.name.as === 'interlok_messagemetrics')!;
  const other = await chain.externalDecision(
    rule,
    { ...hpaSpec(hpa), selector: { deployment: 'orders' } },
    { namespace: 'team-c', currentReplicas: 3 },
  );
  expect(other.values).toEqual([0]);
  expect(other.desiredReplicas).toBe(1);
});
