// dist/'s NetworkPolicies, enforced by a real engine (kube-router, started by the test cluster in the node's
// namespace, where every pod's traffic is routed) and proven with traffic between pods' network namespaces.
// First a canary shows that a NetworkPolicy is enforced at all (else every "closed" below would prove nothing);
// then, with dist/ applied, every path the scaling chain needs is open and the paths our policies close are closed.
// Traffic from the node itself (the control plane, this test's own kubectl and curl) is always allowed, as on a real
// node, so every probe of a pod-to-pod path runs in a pod's namespace through `npm run cluster -- exec`.
import { spawnSync } from 'child_process';
import { join } from 'path';
import { getJson, kubectl, kubectlResult, podsOf, readmeTeardown, requireCluster, resetCluster, waitFor } from './harness';
import { applyObjects, expectClosed, expectOpen, expectPoliciesEnforced, runningPod, standIn, stopListeners } from './traffic';

const repoRoot = join(__dirname, '..', '..');
const dist = join(repoRoot, 'dist');
const CANARY_NS = 'np-canary';
const OTHER_NS = 'np-unrelated';
const external = '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/interlok_messagemetrics?labelSelector=deployment%3Dinterlok';

beforeAll(async () => {
  requireCluster();
  await resetCluster();
  for (const ns of [CANARY_NS, OTHER_NS]) kubectlResult(['create', 'namespace', ns]);
  applyObjects([standIn(OTHER_NS, 'stranger')]);
});

afterAll(async () => {
  stopListeners();
  kubectlResult(['delete', 'namespace', CANARY_NS, OTHER_NS, '--wait=false']);
  await readmeTeardown();
});

test('canary: a deny-all-ingress NetworkPolicy closes a pod-to-pod path that is open without it', async () => {
  await expectPoliciesEnforced(CANARY_NS);
});

describe('dist/ applied', () => {
  let interlok: string;
  let stranger: string;
  let pushgatewayIp: string;
  let prometheusIp: string;

  beforeAll(async () => {
    kubectl(['apply', '-f', dist]);
    kubectl(['-n', 'monitoring', 'wait', '--for=condition=Available', 'deployment', '--all', '--timeout=180s']);
    kubectl(['-n', 'default', 'wait', '--for=condition=Available', 'deployment/interlok', '--timeout=180s']);
    interlok = `default/${podsOf('default', 'interlok')[0]}`;
    stranger = (await runningPod(OTHER_NS, { app: 'stranger' })).name;
    pushgatewayIp = (await runningPodOf('monitoring', 'prometheus-pushgateway')).ip;
    prometheusIp = (await runningPodOf('monitoring', 'prometheus')).ip;
  });

  async function runningPodOf(namespace: string, app: string): Promise<{ ip: string }> {
    return waitFor(`a running pod of ${namespace}/${app}`, () => {
      const pod = getJson(['get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/name=${app}`]).items
        .find((p: any) => p.status.phase === 'Running' && p.status.podIP && !p.metadata.deletionTimestamp);
      return pod ? { ip: pod.status.podIP } : undefined;
    }, 90_000);
  }

  // NetworkPolicy monitoring/prometheus-pushgateway: from pods app.kubernetes.io/name=interlok in namespace default, on 9091
  test('open: an Interlok pod pushes to the pushgateway (its Service and its pod), as Interlok and the deregistration sidecar do', async () => {
    const [, pod] = interlok.split('/');
    const metric = ['-X', 'PUT', '--data-binary', '# TYPE np_probe gauge\nnp_probe 1\n'];
    const group = `/metrics/job/np-probe/k8s_namespace/default/k8s_pod_name/${pod}`;
    expect(await expectOpen('Interlok → pushgateway Service', interlok, `http://prometheus-pushgateway.monitoring.svc:9091${group}`, metric)).toBe(200);
    expect(await expectOpen('Interlok → pushgateway pod', interlok, `http://${pushgatewayIp}:9091${group}`, metric)).toBe(200);
    spawnSync('curl', ['-sS', '-X', 'DELETE', `${process.env.PUSHGATEWAY_URL}${group}`]);
  });

  // NetworkPolicy monitoring/prometheus-pushgateway: from pods app.kubernetes.io/name=prometheus in namespace monitoring, on 9091
  test('open: Prometheus scrapes the pushgateway (its target is up, scraped after the policies were in force)', async () => {
    const since = Date.now(); // the canary and the tests above saw policies enforced before this
    const health = await waitFor('a scrape of the pushgateway target since the test started, up', () => {
      const r = spawnSync('curl', ['-sf', '--max-time', '5', `${process.env.PROMETHEUS_URL}/api/v1/targets`], { encoding: 'utf8' });
      const targets = JSON.parse(r.stdout).data.activeTargets.filter((t: any) => t.labels.job === 'prometheus-pushgateway');
      if (targets.length && targets.every((t: any) => t.health === 'up' && Date.parse(t.lastScrape) > since)) return 'up';
      throw new Error(JSON.stringify(targets.map((t: any) => ({ health: t.health, lastError: t.lastError }))));
    }, 90_000, 2000);
    expect(health).toBe('up');
  });

  // NetworkPolicy monitoring/prometheus-adapter: any peer on 6443 (the API server is no pod and has no fixed address).
  // Here the API server runs on the node, whose traffic kube-router always lets through (as the NetworkPolicy API
  // says of a pod's node); on a managed control plane it comes from elsewhere, which is why the policy names no peer:
  // a pod of an unrelated namespace reaching 6443 shows that the policy, not the node exemption, keeps it open.
  test('open: the API server reaches the adapter (both APIServices Available), and so does any peer on 6443', async () => {
    for (const api of ['v1beta1.custom.metrics.k8s.io', 'v1beta1.external.metrics.k8s.io']) {
      kubectl(['wait', '--for=condition=Available', `apiservice/${api}`, '--timeout=180s']);
    }
    const adapterIp = (await runningPodOf('monitoring', 'prometheus-adapter')).ip;
    expect(await expectOpen('stranger → adapter pod', stranger, `https://${adapterIp}:6443/healthz`, ['-k'])).toBeGreaterThan(0);
  });

  // NetworkPolicy monitoring/prometheus-server: from pods app.kubernetes.io/name=prometheus-adapter in namespace monitoring, on 9090
  test('open: the adapter queries Prometheus (the External metric API answers with a value)', async () => {
    // the adapter lists metric names at start and every 60 s (dist/'s --metrics-relist-interval)
    const value = await waitFor('the External metric', () => {
      const list = JSON.parse(kubectl(['get', '--raw', external]));
      return list.items?.[0]?.value;
    }, 150_000, 2000);
    expect(value).toBeDefined();
  });

  test('closed: a pod of an unrelated namespace → the pushgateway on 9091 (NetworkPolicy prometheus-pushgateway)', async () => {
    await expectClosed('stranger → pushgateway Service', stranger, 'http://prometheus-pushgateway.monitoring.svc:9091/metrics');
    await expectClosed('stranger → pushgateway pod', stranger, `http://${pushgatewayIp}:9091/metrics`);
  });

  test('closed: a pod of an unrelated namespace → Prometheus on 9090 (NetworkPolicy prometheus-server)', async () => {
    await expectClosed('stranger → Prometheus Service', stranger, 'http://prometheus-server.monitoring.svc:80/api/v1/query?query=up');
    await expectClosed('stranger → Prometheus pod', stranger, `http://${prometheusIp}:9090/api/v1/query?query=up`);
  });

  test("closed: an Interlok pod → Prometheus's query API (NetworkPolicy prometheus-server)", async () => {
    await expectClosed('Interlok → Prometheus Service', interlok, 'http://prometheus-server.monitoring.svc:80/api/v1/query?query=up');
    await expectClosed('Interlok → Prometheus pod', interlok, `http://${prometheusIp}:9090/api/v1/query?query=up`);
  });
});
