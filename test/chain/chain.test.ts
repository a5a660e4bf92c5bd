/**
 * The chain on real binaries: Interlok's pushes (simulated byte for byte) → a real pushgateway → a real
 * Prometheus configured as dist/'s → the adapter's query built from dist/'s rule → dist/'s HPA. The stack is dist/'s
 * on the short clocks of the harness (1 s scrape, 16 s stale window); dist-clocks.test.ts runs dist/ itself.
 * Each scenario also runs with the guide's own rule, to show which of its failures this library fixes.
 */
import { parse } from 'yaml';
import { AdapterRuleConfig } from '../../lib';
import { INTERLOK_PUSH_SECONDS } from '../../lib/model/intervals';
import {
  findObject,
  GUIDE_RULE,
  HpaSpec,
  hpaSpec,
  MetricsChain,
  shortClockObjects,
  SHORT_STALE_SECONDS,
  sleep,
} from './harness';

const objects = shortClockObjects();
const prometheusYaml: string = findObject(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml'];
const ourRule: AdapterRuleConfig = parse(
  findObject(objects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml'],
).rules[0];
const distHpa = hpaSpec(findObject(objects, 'HorizontalPodAutoscaler', 'interlok-autoscaler'));
// The per-pod view the Pods rule of dist/ serves: what an HPA with ScaleMetric.podsAverage() (and the guide's HPA)
// reads, and what `kubectl get --raw .../pods/*/MessageMetrics` shows. The External metric is in external.test.ts.
const hpa: HpaSpec = {
  metricName: ourRule.name.as,
  averageValue: distHpa.averageValue,
  minReplicas: distHpa.minReplicas,
  maxReplicas: distHpa.maxReplicas,
};
const RULES: Array<[string, AdapterRuleConfig]> = [
  ['our rule', ourRule],
  ['guide rule', GUIDE_RULE],
];

let chain: MetricsChain;
beforeAll(async () => {
  chain = await MetricsChain.start(prometheusYaml);
  // Scenarios (a) to (d) push up front so that one scrape serves them all.
  const groups: Array<[string, string, number]> = [
    ['default', 'interlok-a-1', 150],
    ['team-a', 'interlok-b-1', 150],
    ['team-b', 'interlok-b-1', 10],
    ['scenario-c', 'interlok-c-deleted', 1000],
    ['scenario-c', 'interlok-c-1', 300],
    ['scenario-c', 'interlok-c-2', 100],
    ['scenario-d', 'interlok-d-1', 42],
  ];
  for (const [ns, pod, value] of groups) await chain.pushAsInterlok(ns, pod, value);
  await chain.waitFor('count(MessageMetrics)', (s) => s.length === 1 && Number(s[0].value[1]) === groups.length);
}, 60000);
afterAll(async () => {
  await chain?.stop();
});

const scraped = (pod: string, value: number) =>
  chain.waitFor(`MessageMetrics{k8s_pod_name="${pod}"}`, (s) => s.some((x) => Number(x.value[1]) === value));

test("dist/'s HPA keeps the guide's numbers (average 100, 1..5) on the External metric of its Deployment", () => {
  expect(distHpa).toEqual({
    metricName: 'interlok_messagemetrics',
    averageValue: 100,
    minReplicas: 1,
    maxReplicas: 5,
    selector: { deployment: 'interlok' },
  });
  expect(hpa.metricName).toBe('MessageMetrics');
});

describe("(a) the guide's headline: 150 messages into one pod → the HPA wants 2", () => {
  test.each(RULES)('%s', async (_name, rule) => {
    const d = await chain.hpaDecision(rule, hpa, { namespace: 'default', pods: ['interlok-a-1'], currentReplicas: 1 });
    expect(d.values.get('interlok-a-1')).toBe(150);
    expect(d.desiredReplicas).toBe(2);
  });

  test('the query the adapter runs for one pod uses equality, scoped to the namespace', async () => {
    const d = await chain.hpaDecision(ourRule, hpa, {
      namespace: 'default',
      pods: ['interlok-a-1'],
      currentReplicas: 1,
    });
    expect(d.query).toBe(
      `max by (k8s_pod_name) (MessageMetrics{k8s_namespace="default",k8s_pod_name="interlok-a-1"} * (time() - push_time_seconds{k8s_namespace="default",k8s_pod_name="interlok-a-1"} < bool ${SHORT_STALE_SECONDS}))`,
    );
  });
});

describe('(b) the same pod name in two namespaces never mixes', () => {
  test("our rule: each namespace's HPA sees its own pod", async () => {
    const a = await chain.hpaDecision(ourRule, hpa, {
      namespace: 'team-a',
      pods: ['interlok-b-1'],
      currentReplicas: 1,
    });
    const b = await chain.hpaDecision(ourRule, hpa, {
      namespace: 'team-b',
      pods: ['interlok-b-1'],
      currentReplicas: 1,
    });
    expect([a.values.get('interlok-b-1'), a.desiredReplicas]).toEqual([150, 2]);
    expect([b.values.get('interlok-b-1'), b.desiredReplicas]).toEqual([10, 1]);
  });

  test('guide rule: its unscoped query hands both HPAs the same value, so one of them is wrong', async () => {
    const a = await chain.hpaDecision(GUIDE_RULE, hpa, {
      namespace: 'team-a',
      pods: ['interlok-b-1'],
      currentReplicas: 1,
    });
    const b = await chain.hpaDecision(GUIDE_RULE, hpa, {
      namespace: 'team-b',
      pods: ['interlok-b-1'],
      currentReplicas: 1,
    });
    expect(a.values.get('interlok-b-1')).toBe(b.values.get('interlok-b-1'));
    expect(a.desiredReplicas === 2 && b.desiredReplicas === 1).toBe(false);
  });
});

describe('(c) two live pods plus the old group of a deleted pod → the average of the live ones', () => {
  test.each(RULES)('%s', async (_name, rule) => {
    const d = await chain.hpaDecision(rule, hpa, {
      namespace: 'scenario-c',
      pods: ['interlok-c-1', 'interlok-c-2'],
      currentReplicas: 2,
    });
    expect([...d.values.entries()].sort()).toEqual([
      ['interlok-c-1', 300],
      ['interlok-c-2', 100],
    ]);
    expect(d.currentAverage).toBe(200);
    expect(d.desiredReplicas).toBe(4);
  });

  test('several pods are matched with an anchored regex', async () => {
    const d = await chain.hpaDecision(ourRule, hpa, {
      namespace: 'scenario-c',
      pods: ['interlok-c-1', 'interlok-c-2'],
      currentReplicas: 2,
    });
    expect(d.query).toContain('k8s_namespace="scenario-c",k8s_pod_name=~"interlok-c-1|interlok-c-2"');
  });
});

describe('(d) labels survive the scrape', () => {
  test('job, k8s_namespace, k8s_pod_name as pushed; no exported_* and no instance', async () => {
    const [sample] = await chain.instantQuery('MessageMetrics{k8s_pod_name="interlok-d-1"}');
    expect(sample.metric).toEqual({
      __name__: 'MessageMetrics',
      job: 'interlok',
      k8s_namespace: 'scenario-d',
      k8s_pod_name: 'interlok-d-1',
    });
  });

  test.each(RULES)('%s serves it for the pod', async (_name, rule) => {
    const d = await chain.hpaDecision(rule, hpa, {
      namespace: 'scenario-d',
      pods: ['interlok-d-1'],
      currentReplicas: 1,
    });
    expect(d.values.get('interlok-d-1')).toBe(42);
  });
});

describe('(e) load stops → scale down', () => {
  // as dist/'s 60 s bound is twice its window
  const STALE_BOUND_MS = 2 * SHORT_STALE_SECONDS * 1000;
  const PUSH_MS = INTERLOK_PUSH_SECONDS * 1000;

  test('an idle pod reads 0 within the bound while a pod under load keeps its value; the guide holds replicas up for ever', async () => {
    // Two pods took load and then went idle: Interlok pushes nothing more for them.
    await chain.pushAsInterlok('scenario-e', 'interlok-e-1', 150);
    await chain.pushAsInterlok('scenario-e', 'interlok-e-2', 150);
    const lastPush = Date.now();
    // A pod in another namespace stays under load and pushes every 10 s as Interlok does.
    const busy = await chain.keepPushing('scenario-e-busy', 'interlok-e-busy', 150, PUSH_MS);
    try {
      await scraped('interlok-e-2', 150);
      await scraped('interlok-e-busy', 150);
      const idle = { namespace: 'scenario-e', pods: ['interlok-e-1', 'interlok-e-2'], currentReplicas: 2 };
      const loaded = await chain.hpaDecision(ourRule, hpa, idle);
      expect(loaded.desiredReplicas).toBe(3);

      let scaledDownAfter = -1;
      while (Date.now() - lastPush < STALE_BOUND_MS) {
        const d = await chain.hpaDecision(ourRule, hpa, idle);
        const elapsed = Date.now() - lastPush;
        if (elapsed < PUSH_MS && d.desiredReplicas !== 3) {
          // never stale within one push interval (seen once under load: say what the query and the scrapes did)
          const values = JSON.stringify([...d.values]);
          throw new Error(
            `${d.desiredReplicas} replicas after ${elapsed} ms, values ${values}: ${await chain.scrapeHealth()}`,
          );
        }
        const b = await chain.hpaDecision(ourRule, hpa, {
          namespace: 'scenario-e-busy',
          pods: ['interlok-e-busy'],
          currentReplicas: 1,
        });
        expect(b.values.get('interlok-e-busy')).toBe(150);
        if (d.desiredReplicas === 1) {
          expect([...d.values.values()]).toEqual([0, 0]); // reported as 0, not dropped
          scaledDownAfter = elapsed;
          break;
        }
        await sleep(1000);
      }
      expect(scaledDownAfter).toBeGreaterThan(PUSH_MS);
      // not before the window: the pushgateway stamped the push before lastPush was read
      expect(scaledDownAfter).toBeGreaterThanOrEqual((SHORT_STALE_SECONDS - 1) * 1000);
      expect(scaledDownAfter).toBeLessThanOrEqual(STALE_BOUND_MS);

      const guide = await chain.hpaDecision(GUIDE_RULE, hpa, idle);
      expect([...guide.values.values()]).toEqual([150, 150]);
      expect(guide.desiredReplicas).toBe(3);
    } finally {
      await busy.stop();
    }
  }, 60000);
});

describe('no metric at all', () => {
  test('a Pods-metric HPA takes no action when no pod has a metric (why dist/ scales on the External metric)', async () => {
    const d = await chain.hpaDecision(ourRule, hpa, { namespace: 'nowhere', pods: ['interlok-x'], currentReplicas: 3 });
    expect(d.desiredReplicas).toBe(3);
    expect(d.reason).toMatch(/no metrics returned/);
  });
});
