// KEDA v2.21.0 for real (its operator, metrics API server and admission webhooks, built from its Go module and run
// from its own manifests, test/e2e/upstream.ts): the README's KEDA example is admitted by KEDA's webhook, KEDA makes
// its HPA, and the real HPA controller decides through KEDA's metrics server as in the HPA scenarios (the guide's
// 150 → 2, an idle rollout → minReplicaCount, the fallback while Prometheus is unreachable); then the README's
// Interlok 5 example (scrape mode) with stand-in pods serving `workflow_count_total` pages scales up and down. KEDA's
// webhook and synth refuse a ScaledObject beside our HPA alike. Every name is read from the synthesized manifests.
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { desiredReplicasExternal } from '../../lib';
import {
  ensureNamespaces,
  removeCreatedNamespaces,
  getJson,
  hpaState,
  kubectl,
  kubectlResult,
  Pusher,
  requireCluster,
  resetCluster,
  waitFor,
  waitForDeleted,
  waitForReplicas,
} from './harness';
import {
  deleteStandInPages,
  installKeda,
  one,
  podsOfDeployment,
  pushgatewayUrl,
  readmeExample,
  serviceOf,
  setStandInPage,
  synthesizeApp,
  Synthesized,
  uninstallKeda,
  waitForHttp,
} from './upstream';

let work: string;
let keda: Synthesized;
let so: any;
let hpaName: string;
let deployment: string;
let namespace: string;
let pusher: Pusher;

/** KEDA's metric for the ScaledObject, as its metrics server serves it to the HPA controller. */
function kedaMetric(ns: string, soName: string, metric: string): number {
  const list = JSON.parse(
    kubectl([
      'get',
      '--raw',
      `/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/${metric}?labelSelector=${encodeURIComponent(`scaledobject.keda.sh/name=${soName}`)}`,
    ]),
  );
  const v: string = list.items[0].value;
  return v.endsWith('m') ? Number(v.slice(0, -1)) / 1000 : Number(v);
}

function hpaOf(ns: string, name: string): any {
  return getJson(['-n', ns, 'get', 'hpa', name]);
}

function patchScaleDownToZero(ns: string, name: string): void {
  // the README's 5 min down-stabilization, set to 0 for the test (KEDA copies the behaviour into its HPA)
  kubectl([
    '-n',
    ns,
    'patch',
    'scaledobject',
    name,
    '--type=merge',
    '-p',
    JSON.stringify({
      spec: {
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleDown: {
                stabilizationWindowSeconds: 0,
                policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
              },
            },
          },
        },
      },
    }),
  ]);
}

beforeAll(async () => {
  requireCluster();
  work = mkdtempSync(join(tmpdir(), 'keda-e2e-'));
  process.env.KUBECACHEDIR = join(work, 'kube-cache');
  await resetCluster();
  const seconds = await installKeda();
  console.log(`KEDA installed and Available in ${seconds.toFixed(1)} s`);
  keda = readmeExample(work, 'KEDA instead of the HPA and adapter');
  so = one(keda, 'ScaledObject');
  namespace = so.metadata.namespace;
  deployment = so.spec.scaleTargetRef.name;
  hpaName = so.spec.advanced?.horizontalPodAutoscalerConfig?.name ?? `keda-hpa-${so.metadata.name}`;
  pusher = new Pusher(pushgatewayUrl(keda, deployment));
}, 600_000);

afterAll(async () => {
  pusher?.stop();
  if (keda) {
    kubectlResult(['delete', '-f', keda.dist, '--ignore-not-found', '--wait=false']);
    await waitForDeleted(keda.dist).catch(() => undefined);
  }
  await uninstallKeda();
  await removeCreatedNamespaces();
  if (work) rmSync(work, { recursive: true, force: true });
}, 600_000);

describe("the README's KEDA example on KEDA", () => {
  test("KEDA admits the ScaledObject and creates its HPA, owned by the ScaledObject, on the trigger's External metric", async () => {
    ensureNamespaces(keda.objects);
    const out = kubectl(['apply', '-f', keda.dist]);
    expect(out).toMatch(new RegExp(`^scaledobject\\.keda\\.sh/${so.metadata.name} created$`, 'm'));
    const hpa = await waitFor(
      `KEDA's HPA ${hpaName}`,
      () =>
        kubectlResult(['-n', namespace, 'get', 'hpa', hpaName]).status === 0 ? hpaOf(namespace, hpaName) : undefined,
      90_000,
    );
    expect(hpa.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ScaledObject', name: so.metadata.name, controller: true }),
    ]);
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: deployment },
      minReplicas: so.spec.minReplicaCount,
      maxReplicas: so.spec.maxReplicaCount,
      behavior: so.spec.advanced.horizontalPodAutoscalerConfig.behavior,
    });
    expect(hpa.spec.metrics).toEqual([
      {
        type: 'External',
        external: {
          metric: {
            name: 's0-prometheus',
            selector: { matchLabels: { 'scaledobject.keda.sh/name': so.metadata.name } },
          },
          target: { type: 'AverageValue', averageValue: so.spec.triggers[0].metadata.threshold },
        },
      },
    ]);
    await waitFor(
      'the ScaledObject Ready',
      () => {
        const s = getJson(['-n', namespace, 'get', 'scaledobject', so.metadata.name]);
        const ready = s.status?.conditions?.find((c: any) => c.type === 'Ready');
        if (ready?.status === 'True') return true;
        throw new Error(JSON.stringify(s.status));
      },
      90_000,
    );
    kubectl([
      '-n',
      serviceOf(so.spec.triggers[0].metadata.serverAddress).namespace,
      'wait',
      '--for=condition=Ready',
      'pod',
      '--all',
      '--timeout=120s',
    ]);
  });

  test("the guide's 150 messages into one pod → 2 replicas, from KEDA's metric", async () => {
    const [pod] = podsOfDeployment(namespace, deployment);
    await waitForHttp(`${pushgatewayUrl(keda, deployment)}/-/ready`);
    pusher.set(namespace, pod!, 150);
    await waitFor(
      "KEDA's metric at 150",
      () => (kedaMetric(namespace, so.metadata.name, 's0-prometheus') === 150 ? true : undefined),
      90_000,
      2000,
    );
    const state = await waitForReplicas(namespace, hpaName, deployment, 2, 90_000);
    const h = hpaOf(namespace, hpaName);
    // KEDA's HPA is an ordinary External AverageValue HPA: our model of the controller gives the same count
    expect(
      desiredReplicasExternal({
        currentReplicas: 1,
        targetAverageValue: Number(so.spec.triggers[0].metadata.threshold),
        minReplicas: h.spec.minReplicas,
        maxReplicas: h.spec.maxReplicas,
        values: [150],
      }).desiredReplicas,
    ).toBe(state.desired);
    const events = kubectl([
      '-n',
      namespace,
      'get',
      'events',
      '--field-selector',
      `involvedObject.name=${hpaName}`,
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    expect(events).toMatch(/New size: 2; reason: external metric s0-prometheus/);
  });

  test('an idle rollout (new pods that never pushed) → minReplicaCount', async () => {
    patchScaleDownToZero(namespace, so.metadata.name);
    await waitFor(
      "the behaviour in KEDA's HPA",
      () => (hpaOf(namespace, hpaName).spec.behavior.scaleDown.stabilizationWindowSeconds === 0 ? true : undefined),
      60_000,
    );
    pusher.stop();
    kubectl(['-n', namespace, 'rollout', 'restart', `deployment/${deployment}`]);
    const state = await waitForReplicas(namespace, hpaName, deployment, so.spec.minReplicaCount, 180_000);
    expect(state.desired).toBe(so.spec.minReplicaCount);
    expect(kedaMetric(namespace, so.metadata.name, 's0-prometheus')).toBe(0);
  });

  test("Prometheus unreachable → KEDA's fallback replicas, and the ScaledObject says so", async () => {
    const { name: service, namespace: promNs } = serviceOf(so.spec.triggers[0].metadata.serverAddress);
    const selector = getJson(['-n', promNs, 'get', 'service', service]).spec.selector;
    const prom = getJson(['-n', promNs, 'get', 'deployments']).items.find((d: any) =>
      Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels?.[k] === v),
    );
    expect(prom).toBeDefined();
    kubectl(['-n', promNs, 'scale', `deployment/${prom.metadata.name}`, '--replicas=0']);
    try {
      const state = await waitForReplicas(namespace, hpaName, deployment, so.spec.fallback.replicas, 180_000);
      expect(state.desired).toBe(so.spec.fallback.replicas);
      // KEDA's HPA can reach the fallback count a poll before KEDA writes the condition: read it once it is there
      const s = await waitFor(
        "the ScaledObject's Fallback condition True",
        () => {
          const o = getJson(['-n', namespace, 'get', 'scaledobject', so.metadata.name]);
          return o.status.conditions.find((c: any) => c.type === 'Fallback')?.status === 'True' ? o : undefined;
        },
        60_000,
      );
      expect(s.status.conditions.find((c: any) => c.type === 'Fallback')).toMatchObject({ status: 'True' });
      expect(Number(s.status.health['s0-prometheus'].numberOfFailures)).toBeGreaterThanOrEqual(
        so.spec.fallback.failureThreshold,
      );
    } finally {
      kubectl(['-n', promNs, 'scale', `deployment/${prom.metadata.name}`, '--replicas=1']);
    }
    // reachable again: the real value (0) → back to minReplicaCount
    await waitForReplicas(namespace, hpaName, deployment, so.spec.minReplicaCount, 180_000);
  });

  test("KEDA's webhook refuses a ScaledObject for a Deployment our HPA scales, and synth refuses the same app", () => {
    // our Scaler.hpa() objects (the README's Install example) and this ScaledObject, in a scratch namespace
    const install = readmeExample(work, 'Install');
    const hpa = one(install, 'HorizontalPodAutoscaler');
    const target = one(install, 'Deployment', hpa.spec.scaleTargetRef.name);
    const scratch = 'keda-refusal';
    const at = (o: any) => ({ ...o, metadata: { ...o.metadata, namespace: scratch } });
    const scaledObject = {
      ...at(so),
      spec: { ...so.spec, scaleTargetRef: { ...so.spec.scaleTargetRef, name: target.metadata.name } },
    };
    kubectl(['create', 'namespace', scratch]);
    try {
      kubectl(['apply', '-f', '-'], [at(target), at(hpa)].map((o) => stringify(o)).join('---\n'));
      const r = kubectlResult(['apply', '-f', '-'], stringify(scaledObject));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(
        `admission webhook "vscaledobject.kb.io" denied the request: the workload '${target.metadata.name}' of type 'apps/v1.Deployment' is already managed by the hpa '${hpa.metadata.name}'`,
      );
    } finally {
      kubectlResult(['delete', 'namespace', scratch, '--wait=false']);
    }
    // the same pair in one app: synth fails before anything is applied
    let error = '';
    try {
      synthesizeApp(
        work,
        'hpa-and-scaledobject',
        `
import { App } from 'cdk8s';
import { InterlokAutoscalingChart, InterlokImage, KedaScaledObject, ScaleTarget } from 'cdk8s-interlok-scaling';
const app = new App();
const chart = new InterlokAutoscalingChart(app, 'both', { interlok: { image: InterlokImage.guideDemo() } });
new KedaScaledObject(chart, 'ScaledObject', { target: ScaleTarget.interlok(chart.interlok), rule: chart.rule, serverAddress: 'http://prometheus.example.svc:9090' });
app.synth();
`,
      );
    } catch (e) {
      error = String((e as { stderr?: Buffer }).stderr ?? e);
    }
    expect(error).toMatch(
      /is scaled by ScaledObject both\/ScaledObject and by HPA both\/Autoscaler: one workload takes one autoscaler \(KEDA's webhook rejects the ScaledObject/,
    );
  });

  test('teardown: kubectl delete -f dist/ removes the ScaledObject and KEDA removes its HPA', async () => {
    const r = kubectlResult(['delete', '-f', keda.dist, '--ignore-not-found', '--timeout=150s']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    await waitForDeleted(keda.dist);
    await waitFor(
      `KEDA's HPA ${hpaName} gone`,
      () => (kubectlResult(['-n', namespace, 'get', 'hpa', hpaName]).status !== 0 ? true : undefined),
      60_000,
    );
  });
});

describe("the README's Interlok 5 example (scrape mode) on KEDA", () => {
  let scrape: Synthesized;
  let timer: NodeJS.Timeout | undefined;
  const counters = new Map<string, number>();

  afterAll(async () => {
    if (timer) clearInterval(timer);
    if (scrape) {
      kubectlResult(['delete', '-f', scrape.dist, '--ignore-not-found', '--wait=false']);
      await waitForDeleted(scrape.dist).catch(() => undefined);
    }
  }, 300_000);

  test('stand-in pods serving workflow_count_total: busy → scaled up, idle → back to minReplicaCount', async () => {
    scrape = readmeExample(work, 'Interlok 4.1+ and 5.x: Prometheus scrapes the pods');
    const sso = one(scrape, 'ScaledObject');
    const ns = sso.metadata.namespace;
    const name = sso.spec.scaleTargetRef.name;
    const hpa = sso.spec.advanced?.horizontalPodAutoscalerConfig?.name ?? `keda-hpa-${sso.metadata.name}`;
    const threshold = Number(sso.spec.triggers[0].metadata.threshold);
    // the workflow the query counts, as the synthesized query names it
    const workflow = /workflow="([^"]+)"/.exec(sso.spec.triggers[0].metadata.query)![1]!;
    const d = one(scrape, 'Deployment', name);
    const port = d.spec.template.spec.containers[0].ports.find((p: any) => p.name === 'http');
    expect(port).toBeDefined();
    ensureNamespaces(scrape.objects);
    kubectl(['apply', '-f', scrape.dist]);
    await waitFor(
      `KEDA's HPA ${hpa}`,
      () => (kubectlResult(['-n', ns, 'get', 'hpa', hpa]).status === 0 ? true : undefined),
      90_000,
    );
    patchScaleDownToZero(ns, sso.metadata.name);
    // each pod's Micrometer page: the Deployment handles `rate` messages per second while busy, spread over its pods
    let rate = 0;
    const page = (n: number) =>
      [
        '# HELP workflow_count_total  ',
        '# TYPE workflow_count_total counter',
        `workflow_count_total{component="in-box-workflow",workflow="${workflow}",} ${n}`,
        '',
      ].join('\n');
    // the messages of the time that really passed since the last tick: a tick runs late whenever the test's own
    // kubectl calls hold the event loop (seconds each on a loaded machine), and must not slow the counters down
    let last = Date.now();
    const tick = () => {
      const now = Date.now();
      const seconds = (now - last) / 1000;
      last = now;
      const pods = podsOfDeployment(ns, name);
      for (const pod of pods) {
        const n = (counters.get(pod) ?? 0) + (seconds * rate) / pods.length;
        counters.set(pod, n);
        setStandInPage(ns, pod, 'prometheus/metrics', page(n));
      }
    };
    tick();
    timer = setInterval(tick, 2000);
    // busy: 1.5 × threshold per window in all → ceil(1.5) = 2 replicas, whatever the number of pods
    const [, amount, unit] = /\[(\d+)([sm])\]/.exec(sso.spec.triggers[0].metadata.query)!;
    const windowSeconds = Number(amount) * (unit === 'm' ? 60 : 1);
    rate = (1.5 * threshold) / windowSeconds;
    const up = await waitForReplicas(ns, hpa, name, 2, 240_000);
    expect(up.desired).toBe(2);
    // idle: the counters stop; once the window holds no increase, the real value 0 → minReplicaCount
    rate = 0;
    const down = await waitForReplicas(ns, hpa, name, sso.spec.minReplicaCount, 300_000);
    expect(down.desired).toBe(sso.spec.minReplicaCount);
    clearInterval(timer);
    timer = undefined;
    for (const pod of counters.keys()) deleteStandInPages(ns, pod);
    expect(hpaState(ns, hpa, name).deploymentReplicas).toBe(sso.spec.minReplicaCount);
  });
});
