/**
 * Scrape mode (Interlok 4.1+/5.x) on a real Prometheus: local HTTP servers serve Micrometer-style pages with
 * advancing `workflow_count_total` counters, Prometheus scrapes them with the synthesized config (its pod
 * discovery replaced by static targets labelled as the relabelling does), and the generated KEDA query and adapter
 * rules turn them into messages per Deployment. Two pods, two namespaces, a pod whose counter resets when it
 * restarts, an idle pod and a pod that never handled a message. On the harness's short scrape clock (1 s); the
 * window stays at the least the rule accepts (20 s).
 */
import { createServer, Server } from 'http';
import { Duration, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { AdapterRuleConfig, InterlokAutoscalingChartProps, InterlokImage, MetricsSource, Scaler } from '../../lib';
import { findObject, kedaDecision, MetricsChain, podName, SHORT_SCRAPE_SECONDS, sleep } from './harness';
import { demoChart } from '../helpers';

const WINDOW_S = 20;
const props = (scaler: Scaler): InterlokAutoscalingChartProps => ({
  interlok: {
    image: InterlokImage.fromRegistry('registry.example.com/interlok-profiler:5.0.1'),
    metricsSource: MetricsSource.scrape({ workflow: 'in@ch', window: Duration.seconds(WINDOW_S) }),
  },
  monitoring: { scrapeInterval: Duration.seconds(SHORT_SCRAPE_SECONDS) },
  scaler,
});
const kedaChart = demoChart(Testing.app(), 'scrape', props(Scaler.keda({ threshold: 25 })));
const keda = Testing.synth(kedaChart);
const hpaObjects = Testing.synth(
  demoChart(Testing.app(), 'scrape', { ...props(Scaler.hpa()), autoscaler: { averageValue: 25 } }),
);
const prometheusYaml: string = findObject(keda, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml'];
const so = findObject(keda, 'ScaledObject', 'interlok');
/** The ScaledObject the chart would generate for Deployment `name` in `namespace`: the same query, filled in. */
const soFor = (namespace: string, name = 'interlok') => ({
  ...so,
  spec: {
    ...so.spec,
    triggers: [
      {
        ...so.spec.triggers[0],
        metadata: { ...so.spec.triggers[0].metadata, query: kedaChart.rule.totalQuery(namespace, name) },
      },
    ],
  },
});

/** A Micrometer 1.12-style page (simpleclient text format, trailing commas) of one pod. */
function page(counters: Array<[string, number]>): string {
  const lines = [
    '# HELP jvm_threads_live_threads The current number of live threads',
    '# TYPE jvm_threads_live_threads gauge',
    'jvm_threads_live_threads 42.0',
  ];
  if (counters.length) lines.push('# HELP workflow_count_total  ', '# TYPE workflow_count_total counter');
  for (const [workflow, value] of counters)
    lines.push(
      `workflow_count_total{component="${workflow.split('@')[0]}",workflow="${workflow}",} ${value.toFixed(1)}`,
    );
  return lines.join('\n') + '\n';
}

/**
 * The Content-Type Interlok's `metrics-provider-prometheus` sends (`PrometheusEndpointComponent.CONTENT_TYPE_DEFAULT`,
 * 4.1.0 to 5.0.7): `text/plain`, no `version`; Jetty may add a charset, as one pod here does. Prometheus 3 parses
 * `text/plain` as the 0.0.4 text format, so the PodMonitor needs no `fallbackScrapeProtocol`.
 */
const INTERLOK_CONTENT_TYPE = 'text/plain';
const contentType = (p: { namespace: string }) =>
  p.namespace === 'team-b' ? `${INTERLOK_CONTENT_TYPE};charset=utf-8` : INTERLOK_CONTENT_TYPE;

const t0 = Date.now();
const secs = () => (Date.now() - t0) / 1000;
const pods: Array<{ namespace: string; pod: string; counters: () => Array<[string, number]> }> = [
  {
    namespace: 'team-a',
    pod: podName('interlok', 1),
    counters: () => [
      ['in@ch', Math.floor(2 * secs())],
      ['other@ch', Math.floor(50 * secs())],
    ],
  },
  { namespace: 'team-a', pod: podName('interlok', 2), counters: () => [['in@ch', 500]] }, // idle
  { namespace: 'team-a', pod: podName('interlok', 3), counters: () => [] }, // never handled a message: no series
  { namespace: 'team-b', pod: podName('interlok', 1), counters: () => [['in@ch', Math.floor(5 * secs())]] }, // the same pod name elsewhere
  { namespace: 'team-a', pod: podName('interlok-batch', 1), counters: () => [['in@ch', Math.floor(10 * secs())]] },
  // the container restarts after 8 s: the JVM's counter starts again from 0
  {
    namespace: 'restart',
    pod: podName('interlok', 1),
    counters: () => [['in@ch', secs() < 8 ? 10000 + Math.floor(3 * secs()) : Math.floor(3 * (secs() - 8))]],
  },
  { namespace: 'idle', pod: podName('interlok', 1), counters: () => [['in@ch', 42]] },
];

let chain: MetricsChain;
const servers: Server[] = [];
beforeAll(async () => {
  const targets = [];
  for (const p of pods) {
    const server = createServer((req, res) => {
      if (req.url !== '/prometheus/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': contentType(p) }).end(page(p.counters()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    targets.push({
      address: `127.0.0.1:${(server.address() as { port: number }).port}`,
      namespace: p.namespace,
      pod: p.pod,
    });
  }
  chain = await MetricsChain.startScraping(prometheusYaml, targets);
  await chain.waitFor('count(up == 1)', (s) => s.length === 1 && s[0].value[1] === String(pods.length));
  // a whole window of samples, the restart inside it
  await sleep(Math.max(0, (WINDOW_S + 4) * 1000 - (Date.now() - t0)));
}, 90000);
afterAll(async () => {
  await chain?.stop();
  servers.forEach((s) => s.close());
});

const approx = (value: number | undefined, rate: number) => {
  expect(value).toBeGreaterThan(rate * WINDOW_S * 0.7);
  expect(value).toBeLessThan(rate * WINDOW_S * 1.3);
};

test('the config: pod discovery relabelled to namespace and pod, the Interlok pods and their http port only', () => {
  const job = parse(prometheusYaml).scrape_configs[0];
  expect(job).toMatchObject({
    job_name: 'interlok-pods',
    metrics_path: '/prometheus/metrics',
    honor_labels: false,
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['default'] } }],
  });
  expect(so.spec.triggers[0].metadata.query).toBe(
    'sum(increase(workflow_count_total{namespace="default",pod=~"interlok-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}",workflow="in@ch"}[20s])) or vector(0)',
  );
});

test("Interlok's Content-Type (text/plain, no version) is scraped with the synthesized config: every target up, its samples stored", async () => {
  const up = await chain.instantQuery('up{job="interlok-pods"}');
  expect(up.map((s) => [s.metric.namespace, s.metric.pod, s.value[1]]).sort()).toEqual(
    pods.map((p) => [p.namespace, p.pod, '1']).sort(),
  );
  const samples = await chain.instantQuery('scrape_samples_scraped{job="interlok-pods"}');
  expect(samples).toHaveLength(pods.length);
  for (const s of samples) expect(Number(s.value[1])).toBeGreaterThanOrEqual(1);
});

test("KEDA: messages of the window over the Deployment's pods; the idle pod adds 0, the pod without a series nothing, another workflow nothing", async () => {
  const d = await kedaDecision(chain, soFor('team-a'), 3);
  approx(d.values[0], 2);
  expect(d.desiredReplicas).toBe(2);
});

test('KEDA: namespaces and Deployments never mix', async () => {
  const b = await kedaDecision(chain, soFor('team-b'), 1);
  approx(b.values[0], 5);
  expect(b.desiredReplicas).toBe(Math.min(5, Math.ceil(b.values[0]! / 25)));
  const batch = await kedaDecision(chain, soFor('team-a', 'interlok-batch'), 1);
  approx(batch.values[0], 10);
  expect(batch.desiredReplicas).toBe(5);
});

test('a restart resets the counter: increase counts the messages, not a drop of 10000', async () => {
  const d = await kedaDecision(chain, soFor('restart'), 1);
  // the messages between the last scrape before the restart and the restart itself are lost (a few seconds' worth)
  approx(d.values[0], 3);
  expect(d.desiredReplicas).toBe(Math.ceil(d.values[0]! / 25));
  expect(d.desiredReplicas).toBeGreaterThanOrEqual(2);
});

test('idle pods read 0 → minReplicas, as does a namespace with nothing at all', async () => {
  expect(await kedaDecision(chain, soFor('idle'), 3)).toMatchObject({ values: [0], desiredReplicas: 1 });
  expect(await kedaDecision(chain, soFor('nobody'), 3)).toMatchObject({ values: [0], desiredReplicas: 1 });
});

test("the adapter's rules in scrape mode: the External total and the per-pod Pods metric", async () => {
  const config = parse(findObject(hpaObjects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml']);
  const external: AdapterRuleConfig = config.externalRules[0];
  const podsRule: AdapterRuleConfig = config.rules[0];
  const hpa = findObject(hpaObjects, 'HorizontalPodAutoscaler', 'interlok-autoscaler');
  const spec = {
    metricName: hpa.spec.metrics[0].external.metric.name,
    averageValue: 25,
    minReplicas: 1,
    maxReplicas: 5,
    selector: { deployment: 'interlok' },
  };
  const e = await chain.externalDecision(external, spec, { namespace: 'team-a', currentReplicas: 3 });
  approx(e.values[0], 2);
  expect(e.desiredReplicas).toBe(2);
  const names = [1, 2, 3].map((n) => podName('interlok', n));
  const p = await chain.hpaDecision(
    podsRule,
    { metricName: podsRule.name.as, averageValue: 25, minReplicas: 1, maxReplicas: 5 },
    { namespace: 'team-a', pods: names, currentReplicas: 3 },
  );
  approx(p.values.get(names[0]!), 2);
  expect(p.values.get(names[1]!)).toBe(0);
  expect(p.values.has(names[2]!)).toBe(false); // no series: the Pods metric's "missing" pod
});
