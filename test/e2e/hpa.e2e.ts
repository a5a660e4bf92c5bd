// The real loop: dist/ applied, the real prometheus-adapter serving our rules through the aggregated API, and the
// real HPA controller deciding. Interlok pods are stand-ins; the test pushes what Interlok would, as each pod.
// npm test starts the cluster with --hpa-sync-period=5s (the controller's own flag) to spend less time waiting;
// bench measures with the default 15 s. The scale-down steps set the HPA's down-stabilization to 0 (dist/ has 300 s).
import { join } from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { readFileSync } from 'fs';
import { desiredReplicasExternal } from '../../lib';
import {
  applyAdapterLast,
  getJson,
  hpaState,
  kubectl,
  kubectlResult,
  podsOf,
  Pusher,
  readmeTeardown,
  requireCluster,
  resetCluster,
  waitFor,
  waitForEveryAdapterReplica,
  waitForReplicas,
} from './harness';
import { DEFAULT_NAMES as NAMES } from '../../lib/monitoring/monitoring-names';

const dist = join(__dirname, '..', '..', 'dist');
const objects = parseAllDocuments(readFileSync(join(dist, 'interlok-autoscaling.k8s.yaml'), 'utf8')).map((d) =>
  d.toJSON(),
);
const HPA = 'interlok-autoscaler';
const external = (ns: string) =>
  `/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/interlok_messagemetrics?labelSelector=deployment%3Dinterlok`;
let pusher: Pusher;

/** The same Interlok Deployment and HPA in another namespace: a second team on the same stack. */
function teamB(): string {
  const docs = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } }];
  for (const o of objects.filter(
    (x) => (x.kind === 'Deployment' && x.metadata.name === 'interlok') || x.kind === 'HorizontalPodAutoscaler',
  )) {
    docs.push({ ...o, metadata: { ...o.metadata, namespace: 'team-b' } });
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

function externalValue(ns: string): number {
  const list = JSON.parse(kubectl(['get', '--raw', external(ns)]));
  return Number(list.items[0].value.replace(/m$/, '')) / (list.items[0].value.endsWith('m') ? 1000 : 1);
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Our model (lib/model) on what the controller read: the same count. Where they differ the controller is right and
 * the model is to be fixed. Read at a steady state, when the controller's next sync changes nothing.
 */
function expectModelAgrees(ns: string): void {
  const h = getJson(['get', 'hpa', HPA, '-n', ns]);
  const model = desiredReplicasExternal({
    currentReplicas: h.status.currentReplicas,
    targetAverageValue: 100,
    minReplicas: h.spec.minReplicas,
    maxReplicas: h.spec.maxReplicas,
    values: [externalValue(ns)],
  });
  expect(model.desiredReplicas).toBe(h.status.desiredReplicas);
}

beforeAll(async () => {
  const { pushgatewayUrl } = requireCluster();
  pusher = new Pusher(pushgatewayUrl);
  await resetCluster();
  const t0 = Date.now();
  // the adapter last, once Prometheus has scraped the pushgateway (see applyAdapterLast): the scaling is tested, not
  // the first relist interval after an install
  await applyAdapterLast(dist);
  kubectl(['apply', '-f', '-'], teamB());
  for (const api of ['v1beta1.custom.metrics.k8s.io', 'v1beta1.external.metrics.k8s.io']) {
    kubectl(['wait', '--for=condition=Available', `apiservice/${api}`, '--timeout=180s']);
  }
  kubectl(['-n', NAMES.namespace, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=120s']);
  // each replica asked itself: a request through the APIService reaches one of them
  const adapter = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === NAMES.adapter);
  await waitForEveryAdapterReplica(adapter, [external('default'), external('team-b')]);
  await waitFor(
    'the External metric to be served in both namespaces',
    () => (externalValue('default') === 0 && externalValue('team-b') === 0 ? true : undefined),
    150_000,
    2000,
  );
  console.log(`dist/ applied and the External metric served in both namespaces in ${(Date.now() - t0) / 1000} s`);
});

afterAll(async () => {
  pusher?.stop();
  kubectlResult(['delete', 'namespace', 'team-b', '--wait=false']);
  await readmeTeardown();
});

test("the guide's 150 messages into one pod → 2 replicas; a busy namespace does not scale another", async () => {
  const [a] = podsOf('default', 'interlok');
  const [other] = podsOf('team-b', 'interlok');
  pusher.set('default', a, 150);
  pusher.set('team-b', other, 0);
  const state = await waitForReplicas('default', HPA, 'interlok', 2, 90_000);
  expect(state.metric).toBe('150');
  expect(externalValue('default')).toBe(150);
  expect(externalValue('team-b')).toBe(0);
  const teamB = hpaState('team-b', HPA, 'interlok');
  expect(teamB).toMatchObject({ desired: 1, deploymentReplicas: 1, metric: '0' });
  expectModelAgrees('default');
  expectModelAgrees('team-b');
  // the per-pod (custom) metric serves the same value for the same pod once the adapter relisted
  await waitFor(
    `MessageMetrics of ${a} on the custom metrics API`,
    () => {
      const list = JSON.parse(
        kubectl(['get', '--raw', `/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/${a}/MessageMetrics`]),
      );
      return list.items[0]?.value === '150' ? true : undefined;
    },
    90_000,
    2000,
  );
});

test('two busy pods → 3 replicas', async () => {
  const pods = await waitFor(
    'two Interlok pods',
    () => {
      const p = podsOf('default', 'interlok');
      return p.length === 2 ? p : undefined;
    },
    60_000,
  );
  for (const p of pods) pusher.set('default', p, 150);
  await waitForReplicas('default', HPA, 'interlok', 3, 90_000);
  // the status keeps the average the decision was made on (300 over 2) until the next sync reads 300 over 3
  await waitFor(
    'the average over 3 pods',
    () => (hpaState('default', HPA, 'interlok').metric === '100' ? true : undefined),
    30_000,
  );
  expect(hpaState('default', HPA, 'interlok')).toMatchObject({ desired: 3, deploymentReplicas: 3 });
  expectModelAgrees('default');
});

test('load stops → back to minReplicas (down-stabilization set to 0 for the test)', async () => {
  kubectl([
    'patch',
    'hpa',
    HPA,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } }),
  ]);
  pusher.stop();
  // the groups go stale after 30 s without a push; then one scrape and one sync
  await waitForReplicas('default', HPA, 'interlok', 1, 120_000);
  expect(externalValue('default')).toBe(0);
});

test('one busy pod beside one that never pushed → 2, the right count', async () => {
  const [a] = podsOf('default', 'interlok');
  pusher.set('default', a, 150);
  await waitForReplicas('default', HPA, 'interlok', 2, 90_000);
  await settle(20_000); // three more syncs: it holds, the idle pod is counted as a pod, not as missing
  expect(hpaState('default', HPA, 'interlok')).toMatchObject({ desired: 2, deploymentReplicas: 2, metric: '75' });
  expectModelAgrees('default');
});

test('an idle rollout (new pods that never pushed) → minReplicas', async () => {
  pusher.stop();
  kubectl(['rollout', 'restart', 'deployment/interlok']);
  await waitForReplicas('default', HPA, 'interlok', 1, 150_000);
  await waitFor(
    'the rollout to finish',
    () => {
      const d = getJson(['get', 'deployment', 'interlok']);
      if (d.status.updatedReplicas === 1 && d.status.replicas === 1) return true;
      throw new Error(
        `status ${JSON.stringify(d.status)}; pods ${kubectl(['get', 'pods', '-o', 'wide', '--no-headers']).trim()}`,
      );
    },
    120_000,
  );
  expect(externalValue('default')).toBe(0);
});
