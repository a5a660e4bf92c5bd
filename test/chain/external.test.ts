/**
 * The External metric dist/'s HPA scales on, on real binaries: pushes as Interlok makes them → a real pushgateway →
 * a real Prometheus configured from dist/ → the query prometheus-adapter builds from dist/'s external rule and the
 * HPA's selector → the HPA's External AverageValue calculation. It covers the guide's scenarios and the idle cases
 * in which a Pods metric leaves the HPA without any metric: a rollout while idle, a pushgateway replaced while
 * idle, and a pod that never received traffic next to one that did. dist/'s stack on the harness's short clocks
 * (1 s scrape, 16 s stale window); dist-clocks.test.ts runs dist/ itself.
 */
import { parse } from 'yaml';
import { AdapterRuleConfig } from '../../lib';
import { INTERLOK_PUSH_SECONDS } from '../../lib/model/intervals';
import {
  findObject,
  HpaSpec,
  hpaSpec,
  MetricsChain,
  podName,
  shortClockObjects,
  SHORT_STALE_SECONDS,
  sleep,
} from './harness';

const objects = shortClockObjects();
const prometheusYaml: string = findObject(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml'];
const adapterConfig = parse(findObject(objects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml']);
const externalRule: AdapterRuleConfig = adapterConfig.externalRules[0];
const podsRule: AdapterRuleConfig = adapterConfig.rules[0];
const hpa = hpaSpec(findObject(objects, 'HorizontalPodAutoscaler', 'interlok-autoscaler'));
/** The same HPA for another Deployment: the selector names it. */
const hpaFor = (deployment: string): HpaSpec => ({ ...hpa, selector: { deployment } });
const podsHpa: HpaSpec = {
  metricName: podsRule.name.as,
  averageValue: hpa.averageValue,
  minReplicas: hpa.minReplicas,
  maxReplicas: hpa.maxReplicas,
};

let chain: MetricsChain;
beforeAll(async () => {
  chain = await MetricsChain.start(prometheusYaml);
  const groups: Array<[string, string, number]> = [
    ['default', podName('interlok', 1), 150],
    // the same Deployment name in two namespaces, and a Deployment whose name starts like another's
    ['team-a', podName('interlok', 1), 150],
    ['team-b', podName('interlok', 1), 10],
    ['team-a', podName('interlok-batch', 1), 900],
    // two pods of one Deployment, and the group of a deleted pod of another ReplicaSet that still reads fresh
    ['scenario-c', podName('interlok', 1), 300],
    ['scenario-c', podName('interlok', 2), 100],
  ];
  for (const [ns, pod, value] of groups) await chain.pushAsInterlok(ns, pod, value);
  await chain.waitFor('count(MessageMetrics)', (s) => s.length === 1 && Number(s[0].value[1]) === groups.length);
}, 60000);
afterAll(async () => {
  await chain?.stop();
});

const decide = (namespace: string, currentReplicas: number, spec = hpa) =>
  chain.externalDecision(externalRule, spec, { namespace, currentReplicas });

test("the adapter's query: the HPA's namespace and Deployment, fresh groups only, 0 when nothing matches", async () => {
  const d = await decide('default', 1);
  const pods = 'interlok-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}';
  expect(d.query).toBe(
    `sum(max by (k8s_pod_name) (MessageMetrics{k8s_namespace="default",k8s_pod_name=~"${pods}"} * (time() - push_time_seconds{k8s_namespace="default",k8s_pod_name=~"${pods}"} < bool ${SHORT_STALE_SECONDS}))) or vector(0)`,
  );
});

test("(a) the guide's headline: 150 messages into one pod → the HPA wants 2", async () => {
  const d = await decide('default', 1);
  expect(d.values).toEqual([150]);
  expect(d.desiredReplicas).toBe(2);
});

test('(b) namespaces and Deployments never mix: each HPA sees its own pods only', async () => {
  const a = await decide('team-a', 1);
  const b = await decide('team-b', 1);
  const batch = await decide('team-a', 1, hpaFor('interlok-batch'));
  expect([a.values, a.desiredReplicas]).toEqual([[150], 2]);
  expect([b.values, b.desiredReplicas]).toEqual([[10], 1]);
  expect([batch.values, batch.desiredReplicas]).toEqual([[900], 5]);
});

test("(c) the total over the Deployment's pods: 400 over 2 replicas wants 4, as the Pods average (200) does", async () => {
  const d = await decide('scenario-c', 2);
  expect(d.values).toEqual([400]);
  expect(d.currentAverage).toBe(200);
  expect(d.desiredReplicas).toBe(4);
});

test('§2 a rollout while idle: three new pods that never pushed → minReplicas; a Pods metric holds at 3', async () => {
  const pods = [1, 2, 3].map((n) => podName('interlok', n, 'b6c8d9f7x'));
  const d = await decide('rollout', 3);
  expect(d.values).toEqual([0]);
  expect(d.desiredReplicas).toBe(1);
  const held = await chain.hpaDecision(podsRule, podsHpa, { namespace: 'rollout', pods, currentReplicas: 3 });
  expect(held.desiredReplicas).toBe(3);
  expect(held.reason).toMatch(/no metrics returned/);
});

describe('idle over time (real push times)', () => {
  // as dist/'s 60 s bound is twice its window
  const STALE_BOUND_MS = 2 * SHORT_STALE_SECONDS * 1000;
  const PUSH_MS = INTERLOK_PUSH_SECONDS * 1000;

  test('(e) and §2: a pod that took load and a pod that never did → 2, then minReplicas once the busy one is idle; a busy Deployment elsewhere keeps its value', async () => {
    const took = podName('interlok', 1, 'x2x4z2x4z');
    await chain.pushAsInterlok('scenario-e', took, 150);
    const lastPush = Date.now();
    // twice as often as Interlok: what is tested is the other Deployment's staleness, and a timer firing late in a
    // loaded jest worker must not make this one stale too
    const busy = await chain.keepPushing('scenario-e-busy', podName('interlok', 1), 150, PUSH_MS / 2);
    try {
      await chain.waitFor(`MessageMetrics{k8s_pod_name="${took}"}`, (s) => s.length === 1);
      // and the busy group's first scrape: under load a scrape can fall between the two pushes
      await chain.waitFor(`MessageMetrics{k8s_namespace="scenario-e-busy"}`, (s) => s.length === 1);
      // two replicas: one took 150 messages, the other never received any (no series at all)
      expect((await decide('scenario-e', 2)).desiredReplicas).toBe(2);
      let scaledDownAfter = -1;
      while (Date.now() - lastPush < STALE_BOUND_MS) {
        const d = await decide('scenario-e', 2);
        const elapsed = Date.now() - lastPush;
        if (elapsed < PUSH_MS && d.desiredReplicas !== 2) {
          // never stale within one push interval (as in chain.test.ts (e): say what the query and the scrapes did)
          const values = JSON.stringify(d.values);
          throw new Error(
            `${d.desiredReplicas} replicas after ${elapsed} ms, values ${values}: ${await chain.scrapeHealth()}`,
          );
        }
        expect((await decide('scenario-e-busy', 2)).values).toEqual([150]);
        if (d.desiredReplicas === 1) {
          expect(d.values).toEqual([0]);
          scaledDownAfter = elapsed;
          break;
        }
        await sleep(1000);
      }
      expect(scaledDownAfter).toBeGreaterThan(PUSH_MS);
      // not before the window: the pushgateway stamped the push before lastPush was read
      expect(scaledDownAfter).toBeGreaterThanOrEqual((SHORT_STALE_SECONDS - 1) * 1000);
      expect(scaledDownAfter).toBeLessThanOrEqual(STALE_BOUND_MS);
    } finally {
      await busy.stop();
    }
  }, 60000);

  test('§2 the pushgateway replaced while idle at three replicas → minReplicas; the metric stays served', async () => {
    const pods = [1, 2, 3].map((n) => podName('interlok', n, 'z2z4z6z8z'));
    for (const pod of pods) await chain.pushAsInterlok('scenario-restart', pod, 150);
    await chain.waitFor(
      'count(MessageMetrics{k8s_namespace="scenario-restart"})',
      (s) => s.length === 1 && s[0].value[1] === '3',
    );
    expect((await decide('scenario-restart', 3)).desiredReplicas).toBe(5);

    await chain.replacePushgatewayWithEmptyOne();
    await chain.waitFor('count(MessageMetrics) or vector(0)', (s) => s[0].value[1] === '0');
    const d = await decide('scenario-restart', 3);
    expect(d.query).not.toBe(''); // discovered through the pushgateway's own pushgateway_build_info
    expect(d.values).toEqual([0]);
    expect(d.desiredReplicas).toBe(1);
    const held = await chain.hpaDecision(podsRule, podsHpa, {
      namespace: 'scenario-restart',
      pods,
      currentReplicas: 3,
    });
    expect(held.desiredReplicas).toBe(3);
  }, 60000);
});
