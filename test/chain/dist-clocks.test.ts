/**
 * dist/ as committed, on its real clocks, end to end: the objects `kubectl apply -f dist/` applies (Prometheus
 * scraping every 10 s, a push stale after 30 s), a real pushgateway and Prometheus, and Interlok's 10 s push.
 *
 * Why this file exists: every other chain test runs dist/'s stack synthesized on short clocks (harness.ts: 1 s
 * scrape, 16 s window), which proves the same behaviours in a fraction of the time. This one runs what users apply
 * at least once, so that a fault that shows only on dist/'s own intervals (a window that is too short for a 10 s
 * scrape, a config dist/ has and the short stack has not) still fails a test: the guide's headline (150 messages
 * into one pod → 2 replicas) and an idle pod's push going stale after dist/'s window, not before, while a busy pod
 * keeps its value. Its first test checks that the short-clock stack is dist/ but for its clocks, which is what lets
 * the other files speak for dist/.
 */
import { parse } from 'yaml';
import { AdapterRuleConfig } from '../../lib';
import { DEFAULT_SCRAPE_SECONDS, defaultStaleAfterSeconds, INTERLOK_PUSH_SECONDS } from '../../lib/model/intervals';
import {
  distObjects,
  findObject,
  HpaSpec,
  hpaSpec,
  Manifest,
  MetricsChain,
  podName,
  Pusher,
  SHORT_SCRAPE_SECONDS,
  SHORT_STALE_SECONDS,
  shortClockObjects,
  sleep,
} from './harness';

const objects = distObjects();
const prometheusYaml: string = findObject(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml'];
const adapterConfig = parse(findObject(objects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml']);
const externalRule: AdapterRuleConfig = adapterConfig.externalRules[0];
const podsRule: AdapterRuleConfig = adapterConfig.rules[0];
const hpa = hpaSpec(findObject(objects, 'HorizontalPodAutoscaler', 'interlok-autoscaler'));
const podsHpa: HpaSpec = {
  metricName: podsRule.name.as,
  averageValue: hpa.averageValue,
  minReplicas: hpa.minReplicas,
  maxReplicas: hpa.maxReplicas,
};
const STALE_SECONDS = defaultStaleAfterSeconds(DEFAULT_SCRAPE_SECONDS);
const PUSH_MS = INTERLOK_PUSH_SECONDS * 1000;

/** An object with its clocks written as dist/'s: the short stack's intervals and windows, and the config checksums. */
function withDistClocks(o: Manifest): Manifest {
  const json = JSON.stringify(o)
    .replace(
      new RegExp(`(scrape_interval|evaluation_interval): ${SHORT_SCRAPE_SECONDS}s\\\\n`, 'g'),
      `$1: ${DEFAULT_SCRAPE_SECONDS}s\\n`,
    )
    .replace(new RegExp(`< bool ${SHORT_STALE_SECONDS}\\)`, 'g'), `< bool ${STALE_SECONDS})`)
    .replace(new RegExp(`older than ${SHORT_STALE_SECONDS} s`, 'g'), `older than ${STALE_SECONDS} s`)
    .replace(/"checksum\/config":"[0-9a-f]{64}"/g, '"checksum/config":"<sha256>"');
  return JSON.parse(json);
}

test('the short-clock stack of the other chain tests is dist/ but for its clocks', () => {
  const short = shortClockObjects();
  expect(short.map(withDistClocks)).toEqual(objects.map(withDistClocks));
  // and the clocks do differ: the stack is not dist/ itself
  expect(short).not.toEqual(objects);
});

test("dist/'s clocks: a 10 s scrape, and a push stale after push + scrape + margin = 30 s in both rules", () => {
  const config = parse(prometheusYaml);
  expect(config.global.scrape_interval).toBe(`${DEFAULT_SCRAPE_SECONDS}s`);
  expect(config.scrape_configs[0].scrape_interval).toBe(`${DEFAULT_SCRAPE_SECONDS}s`);
  expect(STALE_SECONDS).toBe(30);
  for (const rule of [podsRule, externalRule]) expect(rule.metricsQuery).toContain(`< bool ${STALE_SECONDS})`);
});

const headlinePod = podName('interlok', 1);
const busyPod = podName('interlok', 1, 'b6c8d9f7x');
let chain: MetricsChain;
let lastPush = 0;
let busy: Pusher | undefined;
beforeAll(async () => {
  chain = await MetricsChain.start(prometheusYaml);
  // one pod takes the guide's 150 messages and goes idle: Interlok pushes nothing more for it
  await chain.pushAsInterlok('default', headlinePod, 150);
  lastPush = Date.now();
  // a pod of the same Deployment in another namespace stays under load and pushes every 10 s as Interlok does
  busy = await chain.keepPushing('team-busy', busyPod, 150, PUSH_MS);
  await chain.waitFor('count(MessageMetrics)', (s) => s.length === 1 && s[0].value[1] === '2');
}, 60000);
afterAll(async () => {
  await busy?.stop();
  await chain?.stop();
});

const decide = (namespace: string, currentReplicas: number) =>
  chain.externalDecision(externalRule, hpa, { namespace, currentReplicas });

test("the guide's headline on dist/: 150 messages into one pod → the HPA wants 2, on the External and Pods rules", async () => {
  const d = await decide('default', 1);
  expect(d.query).toContain(`< bool ${STALE_SECONDS}))) or vector(0)`);
  expect(d.values).toEqual([150]);
  expect(d.desiredReplicas).toBe(2);
  const p = await chain.hpaDecision(podsRule, podsHpa, {
    namespace: 'default',
    pods: [headlinePod],
    currentReplicas: 1,
  });
  expect(p.values.get(headlinePod)).toBe(150);
  expect(p.desiredReplicas).toBe(2);
});

test("the idle pod's push goes stale after dist/'s 30 s window, not before: minReplicas; the busy pod keeps its value", async () => {
  let scaledDownAfter = -1;
  while (Date.now() - lastPush < 2 * STALE_SECONDS * 1000) {
    const d = await decide('default', 2);
    const elapsed = Date.now() - lastPush;
    if (elapsed < PUSH_MS) expect(d.desiredReplicas).toBe(2); // never stale within one push interval
    expect((await decide('team-busy', 2)).values).toEqual([150]);
    if (d.desiredReplicas === 1) {
      expect(d.values).toEqual([0]); // reported as 0, not dropped
      scaledDownAfter = elapsed;
      break;
    }
    await sleep(1000);
  }
  expect(scaledDownAfter).toBeGreaterThan(PUSH_MS);
  // not before the window: the pushgateway stamped the push before lastPush was read
  expect(scaledDownAfter).toBeGreaterThanOrEqual((STALE_SECONDS - 1) * 1000);
  expect(scaledDownAfter).toBeLessThanOrEqual(2 * STALE_SECONDS * 1000);
  // the Pods rule reads it as 0 too
  const p = await chain.hpaDecision(podsRule, podsHpa, {
    namespace: 'default',
    pods: [headlinePod],
    currentReplicas: 2,
  });
  expect([...p.values.values()]).toEqual([0]);
  expect(p.desiredReplicas).toBe(1);
}, 90000);
