/**
 * KEDA mode on real binaries: pushes as Interlok makes them → a real pushgateway → a real Prometheus configured
 * from the KEDA-mode chart → the query of each generated ScaledObject's prometheus trigger → the HPA KEDA creates
 * (External AverageValue). The headline, namespaces and Deployments, stale groups and pods that never pushed. On
 * the harness's short clocks (1 s scrape, 16 s stale window).
 */
import { Duration, Testing } from 'cdk8s';
import { AdapterRule, KedaScaledObject, Scaler, ScaleTarget } from '../../lib';
import { INTERLOK_PUSH_SECONDS } from '../../lib/model/intervals';
import {
  findObject,
  kedaDecision,
  Manifest,
  MetricsChain,
  podName,
  shortClocks,
  SHORT_SCRAPE_SECONDS,
  SHORT_STALE_SECONDS,
  sleep,
} from './harness';
import { demoChart } from '../helpers';

const PUSH_MS = INTERLOK_PUSH_SECONDS * 1000;
const chart = demoChart(Testing.app(), 'keda', shortClocks({ scaler: Scaler.keda() }));
const objects = Testing.synth(chart);
const prometheusYaml: string = findObject(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml'];
const guideSo = findObject(objects, 'ScaledObject', 'interlok');

/** The ScaledObject the library generates for Deployment `name` in `namespace`. */
function scaledObject(namespace: string, name: string): Manifest {
  const c = demoChart(Testing.app(), 'x', shortClocks({ scaler: Scaler.keda() }));
  new KedaScaledObject(c, `So-${namespace}-${name}`, {
    target: ScaleTarget.deployment(name, namespace),
    rule: c.rule,
    serverAddress: 'http://interlok-scaling-prometheus.interlok-scaling.svc:80',
  });
  return Testing.synth(c).find(
    (o) => o.kind === 'ScaledObject' && o.metadata.namespace === namespace && o.metadata.name === name,
  )!;
}

let chain: MetricsChain;
beforeAll(async () => {
  chain = await MetricsChain.start(prometheusYaml);
  const groups: Array<[string, string, number]> = [
    ['default', podName('interlok', 1), 150],
    ['team-a', podName('interlok', 1), 150],
    ['team-b', podName('interlok', 1), 10],
    ['team-a', podName('interlok-batch', 1), 900],
    ['scenario-c', podName('interlok', 1), 300],
    ['scenario-c', podName('interlok', 2), 100],
  ];
  for (const [ns, pod, value] of groups) await chain.pushAsInterlok(ns, pod, value);
  await chain.waitFor('count(MessageMetrics)', (s) => s.length === 1 && Number(s[0].value[1]) === groups.length);
}, 60000);
afterAll(async () => {
  await chain?.stop();
});

test("the ScaledObject: the guide's target, AverageValue 100, 1..5, the stack's Prometheus", () => {
  expect(guideSo.spec.minReplicaCount).toBe(1);
  expect(guideSo.spec.triggers[0]).toMatchObject({
    type: 'prometheus',
    metricType: 'AverageValue',
    metadata: { threshold: '100', serverAddress: 'http://interlok-scaling-prometheus.interlok-scaling.svc:80' },
  });
  expect(guideSo.spec.triggers[0].metadata.query).toBe(
    new AdapterRule(Testing.chart(), 'r', {
      scrapeInterval: Duration.seconds(SHORT_SCRAPE_SECONDS),
      staleAfter: Duration.seconds(SHORT_STALE_SECONDS),
    }).totalQuery('default', 'interlok'),
  );
});

test("(a) the guide's headline: 150 messages into one pod → 2 replicas", async () => {
  const d = await kedaDecision(chain, guideSo, 1);
  expect(d.values).toEqual([150]);
  expect(d.desiredReplicas).toBe(2);
});

test('(b) one element per ScaledObject, namespaces and Deployments never mix', async () => {
  const a = await kedaDecision(chain, scaledObject('team-a', 'interlok'), 1);
  const b = await kedaDecision(chain, scaledObject('team-b', 'interlok'), 1);
  const batch = await kedaDecision(chain, scaledObject('team-a', 'interlok-batch'), 1);
  expect([a.values, a.desiredReplicas]).toEqual([[150], 2]);
  expect([b.values, b.desiredReplicas]).toEqual([[10], 1]);
  expect([batch.values, batch.desiredReplicas]).toEqual([[900], 5]);
});

test("(c) the total over the Deployment's pods: 400 → ceil(400 / 100) = 4, whatever the current count", async () => {
  for (const current of [1, 2, 3]) {
    const d = await kedaDecision(chain, scaledObject('scenario-c', 'interlok'), current);
    expect(d.values).toEqual([400]);
    expect(d.desiredReplicas).toBe(4);
  }
});

test('never pushed: a rollout while idle reads 0 (one element, not an empty result) → minReplicas', async () => {
  const samples = await chain.instantQuery(scaledObject('rollout', 'interlok').spec.triggers[0].metadata.query);
  expect(samples.map((s) => s.value[1])).toEqual(['0']);
  const d = await kedaDecision(chain, scaledObject('rollout', 'interlok'), 3);
  expect([d.values, d.desiredReplicas]).toEqual([[0], 1]);
});

test("stale: an idle pod's group stops counting after the stale window, a busy one keeps counting", async () => {
  const so = scaledObject('scenario-e', 'interlok');
  const busySo = scaledObject('scenario-e-busy', 'interlok');
  await chain.pushAsInterlok('scenario-e', podName('interlok', 1), 150);
  const lastPush = Date.now();
  const busy = await chain.keepPushing('scenario-e-busy', podName('interlok', 1), 150, PUSH_MS);
  try {
    // both groups scraped (under load a scrape can fall between the two pushes, and the busy one would read 0)
    await chain.waitFor(`MessageMetrics{k8s_namespace=~"scenario-e|scenario-e-busy"}`, (s) => s.length === 2);
    expect((await kedaDecision(chain, so, 1)).desiredReplicas).toBe(2);
    let after = -1;
    // as dist/'s 60 s bound is twice its window
    while (Date.now() - lastPush < 2 * SHORT_STALE_SECONDS * 1000) {
      const d = await kedaDecision(chain, so, 2);
      expect((await kedaDecision(chain, busySo, 2)).values).toEqual([150]);
      if (d.desiredReplicas === 1) {
        after = Date.now() - lastPush;
        break;
      }
      await sleep(1000);
    }
    expect(after).toBeGreaterThan(PUSH_MS);
    // not before the window: the pushgateway stamped the push before lastPush was read
    expect(after).toBeGreaterThanOrEqual((SHORT_STALE_SECONDS - 1) * 1000);
    expect(after).toBeLessThanOrEqual(2 * SHORT_STALE_SECONDS * 1000);
  } finally {
    await busy.stop();
  }
}, 60000);
