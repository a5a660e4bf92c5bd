// An installed stack moved from Scaler.hpa() to Scaler.keda() and back, on the real KEDA (test/e2e/upstream.ts), as the
// README's "Moving between Scaler.hpa() and Scaler.keda()" says, step for step. Left alone, the switch fails twice:
// our external APIService stays (KEDA cannot register its own) and our HPA stays, so KEDA's webhook refuses the
// ScaledObject. With `adoptHpa` KEDA takes our HPA over by name (its transfer-hpa-ownership annotation), the
// Deployment keeps its replicas through the switch, and the HPA then decides on KEDA's metric. Back: the
// ScaledObject deleted (KEDA removes the HPA it owns, the replicas stay), KEDA's APIService gone, our app applied.
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
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
  installKeda,
  one,
  podsOfDeployment,
  pushgatewayUrl,
  synthesizeApp,
  Synthesized,
  uninstallKeda,
  waitForHttp,
} from './upstream';

const root = join(__dirname, '..', '..');
let work: string;
let hpaApp: Synthesized;
let hpa: any;
let ns: string;
let deployment: string;
let pusher: Pusher;
let kedaInstalled = false;

const key = (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
/** What the README's switch removes after KEDA took the HPA over: our adapter and the dashboard of our HPA. */
const LEFTOVER_SELECTOR = 'app.kubernetes.io/component in (custom-metrics-apiserver,dashboard)';

const app = (scaler: string) => `
import { App } from 'cdk8s';
import { InterlokAutoscalingChart, InterlokImage, Scaler } from 'cdk8s-interlok-scaling';
const app = new App();
new InterlokAutoscalingChart(app, 'interlok-autoscaling', { interlok: { image: InterlokImage.guideDemo() }, scaler: ${scaler} });
app.synth();
`;

function labelsMatch(o: any): boolean {
  return ['custom-metrics-apiserver', 'dashboard'].includes(o.metadata.labels?.['app.kubernetes.io/component']);
}

beforeAll(async () => {
  requireCluster();
  work = mkdtempSync(join(tmpdir(), 'scaler-switch-e2e-'));
  process.env.KUBECACHEDIR = join(work, 'kube-cache');
  await resetCluster();
  hpaApp = synthesizeApp(work, 'hpa', app('Scaler.hpa()'));
  hpa = one(hpaApp, 'HorizontalPodAutoscaler');
  ns = hpa.metadata.namespace;
  deployment = hpa.spec.scaleTargetRef.name;
  pusher = new Pusher(pushgatewayUrl(hpaApp, deployment));
}, 300_000);

afterAll(async () => {
  pusher?.stop();
  kubectlResult(['delete', 'scaledobjects.keda.sh', '--all', '-A', '--ignore-not-found']);
  for (const o of hpaApp?.objects.filter((x) => x.kind === 'APIService') ?? [])
    kubectlResult(['delete', 'apiservice', o.metadata.name, '--ignore-not-found']);
  if (kedaInstalled) await uninstallKeda();
  if (hpaApp) {
    kubectlResult(['delete', '-f', hpaApp.dist, '--ignore-not-found', '--wait=false']);
    await waitForDeleted(hpaApp.dist).catch(() => undefined);
  }
  if (work) rmSync(work, { recursive: true, force: true });
}, 600_000);

test('Scaler.hpa() installed and scaling: 150 messages → 2 replicas', async () => {
  kubectl(['apply', '-f', hpaApp.dist]);
  for (const o of hpaApp.objects.filter((x) => x.kind === 'APIService'))
    kubectl(['wait', '--for=condition=Available', `apiservice/${o.metadata.name}`, '--timeout=180s']);
  const [pod] = podsOfDeployment(ns, deployment);
  await waitForHttp(`${pushgatewayUrl(hpaApp, deployment)}/-/ready`);
  pusher.set(ns, pod!, 150);
  await waitForReplicas(ns, hpa.metadata.name, deployment, 2, 240_000);
});

test('→ Scaler.keda(): our APIServices and adapter go, KEDA comes; refused without adoptHpa; with it KEDA takes our HPA over and the replicas stay', async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const apiServices = hpaApp.objects.filter((o) => o.kind === 'APIService');
  const kedaApp = synthesizeApp(work, 'keda', app(`Scaler.keda({ adoptHpa: '${hpa.metadata.name}' })`));
  const so = one(kedaApp, 'ScaledObject');
  // step 1 of the README: our APIServices go (they point at our adapter: check before deleting)
  expect(readme).toContain(`kubectl delete apiservice ${apiServices.map((o) => o.metadata.name).join(' ')}`);
  for (const o of apiServices)
    expect(getJson(['get', 'apiservice', o.metadata.name]).spec.service).toEqual(o.spec.service);
  kubectl(['delete', 'apiservice', ...apiServices.map((o) => o.metadata.name)]);
  // step 2: what the old app has and the new one has not, apart from our HPA and the APIServices, is our adapter
  // and the dashboard of our HPA: the README's selector names exactly those
  const kept = new Set(kedaApp.objects.map(key));
  const gone = new Set([key(hpa), ...apiServices.map(key)]);
  const leftovers = hpaApp.objects.filter((o) => !kept.has(key(o)) && !gone.has(key(o)));
  expect(leftovers.map(key).sort()).toEqual(
    hpaApp.objects
      .filter(labelsMatch)
      .filter((o) => !gone.has(key(o)))
      .map(key)
      .sort(),
  );
  expect(readme).toContain(`-l '${LEFTOVER_SELECTOR}'`);
  kubectl(['delete', '-f', hpaApp.dist, '-l', LEFTOVER_SELECTOR, '--ignore-not-found']);
  await waitFor(
    'the leftovers gone',
    () =>
      leftovers.every(
        (o) =>
          kubectlResult([
            'get',
            o.kind.toLowerCase(),
            ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : []),
            o.metadata.name,
          ]).status !== 0,
      )
        ? true
        : undefined,
    120_000,
  );
  // our HPA, without its metrics meanwhile, holds the replicas
  expect(hpaState(ns, hpa.metadata.name, deployment)).toMatchObject({ deploymentReplicas: 2 });
  // step 3: KEDA, which registers the external metrics API for its metrics server
  const seconds = await installKeda();
  kedaInstalled = true;
  console.log(`KEDA installed and Available in ${seconds.toFixed(1)} s`);
  expect(getJson(['get', 'apiservice', 'v1beta1.external.metrics.k8s.io']).spec.service.name).toBe(
    'keda-metrics-apiserver',
  );

  // without adoptHpa, KEDA's webhook refuses the ScaledObject: our HPA scales the Deployment
  const plain = synthesizeApp(work, 'keda-plain', app('Scaler.keda()'));
  const refused = kubectlResult(['apply', '-f', plain.dist]);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain(
    `denied the request: the workload '${deployment}' of type 'apps/v1.Deployment' is already managed by the hpa '${hpa.metadata.name}'`,
  );
  expect(kubectlResult(['-n', ns, 'get', 'scaledobject', one(plain, 'ScaledObject').metadata.name]).status).not.toBe(0);

  // step 4: the KEDA app with adoptHpa
  expect(readme).toContain(`adoptHpa: '${hpa.metadata.name}'`);
  const before = getJson(['-n', ns, 'get', 'hpa', hpa.metadata.name]).metadata.uid;
  kubectl(['apply', '-f', kedaApp.dist]);
  const adopted = await waitFor(
    `KEDA owning ${hpa.metadata.name}`,
    () => {
      const h = getJson(['-n', ns, 'get', 'hpa', hpa.metadata.name]);
      return h.metadata.ownerReferences?.some((r: any) => r.kind === 'ScaledObject' && r.name === so.metadata.name)
        ? h
        : undefined;
    },
    90_000,
  );
  expect(adopted.metadata.uid).toBe(before);
  expect(adopted.spec.metrics[0].external.metric.name).toBe('s0-prometheus');
  expect(kubectlResult(['-n', ns, 'get', 'hpa', `keda-hpa-${so.metadata.name}`]).status).not.toBe(0);
  // the replicas held through the switch, and KEDA's metric keeps them: still 150 messages over 2 pods
  await waitFor(
    "the adopted HPA reading KEDA's metric",
    () => {
      const h = getJson(['-n', ns, 'get', 'hpa', hpa.metadata.name]);
      const m = h.status?.currentMetrics?.[0]?.external;
      if (m?.metric?.name === 's0-prometheus' && m.current.averageValue === '75') return true;
      throw new Error(JSON.stringify(h.status));
    },
    120_000,
    2000,
  );
  expect(hpaState(ns, hpa.metadata.name, deployment)).toMatchObject({ desired: 2, deploymentReplicas: 2 });
  // and it scales on it: both pods busy → 3
  for (const p of podsOfDeployment(ns, deployment)) pusher.set(ns, p, 150);
  await waitForReplicas(ns, hpa.metadata.name, deployment, 3, 120_000);
});

test("→ back to Scaler.hpa(): ScaledObject deleted (replicas kept), KEDA's APIService gone, our app applied and scaling", async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const so = getJson(['-n', ns, 'get', 'scaledobjects']).items[0];
  expect(readme).toContain('kubectl delete scaledobject');
  kubectl(['-n', ns, 'delete', 'scaledobject', so.metadata.name]);
  await waitFor(
    `KEDA's HPA ${hpa.metadata.name} gone with the ScaledObject`,
    () => (kubectlResult(['-n', ns, 'get', 'hpa', hpa.metadata.name]).status !== 0 ? true : undefined),
    90_000,
  );
  expect(getJson(['-n', ns, 'get', 'deployment', deployment]).spec.replicas).toBe(3);
  // KEDA's external APIService must go before ours is applied (applying over it would take it over)
  await uninstallKeda();
  kedaInstalled = false;
  kubectl(['apply', '-f', hpaApp.dist]);
  for (const o of hpaApp.objects.filter((x) => x.kind === 'APIService')) {
    kubectl(['wait', '--for=condition=Available', `apiservice/${o.metadata.name}`, '--timeout=180s']);
    expect(getJson(['get', 'apiservice', o.metadata.name]).spec.service).toEqual(o.spec.service);
  }
  const h = getJson(['-n', ns, 'get', 'hpa', hpa.metadata.name]);
  expect(h.metadata.ownerReferences).toBeUndefined();
  for (const p of podsOfDeployment(ns, deployment)) pusher.set(ns, p, 150);
  // 3 pods at 150 each → ceil(450 / 100) = 5, the maximum
  const state = await waitForReplicas(ns, hpa.metadata.name, deployment, hpa.spec.maxReplicas, 240_000);
  expect(state.desired).toBe(hpa.spec.maxReplicas);
});
