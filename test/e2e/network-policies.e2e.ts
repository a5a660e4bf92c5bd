// dist/'s NetworkPolicies, enforced by a real engine (kube-router, started by the test cluster in the node's
// namespace, where every pod's traffic is routed) and proven with traffic between pods' network namespaces.
// First a canary shows that a NetworkPolicy is enforced at all (else every "closed" below would prove nothing);
// then, with dist/ applied, every path the scaling chain needs is open and the paths our policies close are closed.
// Traffic from the node itself (the control plane, this test's own kubectl and curl) is always allowed, as on a real
// node, so every probe of a pod-to-pod path runs in a pod's namespace through `npm run cluster -- exec`.
import { spawnSync } from 'child_process';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { chainRoles, serviceUrl } from './chain-roles';
import { kubectl, kubectlResult, readmeTeardown, requireCluster, resetCluster, waitFor } from './harness';
import {
  applyObjects,
  expectClosed,
  expectOpen,
  expectPoliciesEnforced,
  RunningPod,
  runningPod,
  standIn,
  stopListeners,
} from './traffic';

const repoRoot = join(__dirname, '..', '..');
const dist = join(repoRoot, 'dist');
const CANARY_NS = 'np-canary';
const OTHER_NS = 'np-unrelated';

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
  // every name, label and port from dist/'s own objects
  const objects = readdirSync(dist)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf8')).map((d) => d.toJS()))
    .filter((o) => o);
  const roles = chainRoles(objects);
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
  let interlok: RunningPod;
  let stranger: string;
  let pushgateway: RunningPod;
  let prometheus: RunningPod;
  const podOf = (d: any) => runningPod(d.metadata.namespace, d.spec.selector.matchLabels);

  beforeAll(async () => {
    kubectl(['apply', '-f', dist]);
    for (const d of roles.deployments) {
      kubectl([
        '-n',
        d.metadata.namespace,
        'wait',
        '--for=condition=Available',
        `deployment/${d.metadata.name}`,
        '--timeout=180s',
      ]);
    }
    interlok = await podOf(roles.interloks[0]);
    stranger = (await runningPod(OTHER_NS, { app: 'stranger' })).name;
    pushgateway = await podOf(roles.pushgateway);
    prometheus = await podOf(roles.prometheus);
  });

  // NetworkPolicy of the pushgateway: from the Interlok pods in their namespace, on its port
  test('open: an Interlok pod pushes to the pushgateway (its Service and its pod), as Interlok and the deregistration sidecar do', async () => {
    const [namespace, pod] = interlok.name.split('/');
    const metric = ['-X', 'PUT', '--data-binary', '# TYPE np_probe gauge\nnp_probe 1\n'];
    const group = `/metrics/job/np-probe/k8s_namespace/${namespace}/k8s_pod_name/${pod}`;
    expect(
      await expectOpen(
        'Interlok → pushgateway Service',
        interlok.name,
        `${serviceUrl(objects, roles.pushgateway)}${group}`,
        metric,
      ),
    ).toBe(200);
    expect(
      await expectOpen(
        'Interlok → pushgateway pod',
        interlok.name,
        `http://${pushgateway.ip}:${roles.port(roles.pushgateway)}${group}`,
        metric,
      ),
    ).toBe(200);
    spawnSync('curl', ['-sS', '-X', 'DELETE', `${serviceUrl(objects, roles.pushgateway)}${group}`]);
  });

  // NetworkPolicy of the pushgateway: from the Prometheus pods
  test('open: Prometheus scrapes the pushgateway (its target is up, scraped after the policies were in force)', async () => {
    const since = Date.now(); // the canary and the tests above saw policies enforced before this
    // the job of Prometheus's configuration whose target is the pushgateway's Service
    const configMap = roles.prometheus.spec.template.spec.volumes.find((v: any) => v.configMap).configMap.name;
    const config = parse(
      objects.find(
        (o) =>
          o.kind === 'ConfigMap' &&
          o.metadata.name === configMap &&
          o.metadata.namespace === roles.prometheus.metadata.namespace,
      ).data['prometheus.yml'],
    );
    const gateway = new URL(serviceUrl(objects, roles.pushgateway)).host;
    const job = config.scrape_configs.find((c: any) =>
      c.static_configs?.some((t: any) => t.targets.includes(gateway)),
    )?.job_name;
    expect(job).toBeDefined();
    const health = await waitFor(
      'a scrape of the pushgateway target since the test started, up',
      () => {
        const r = spawnSync(
          'curl',
          ['-sf', '--max-time', '5', `${serviceUrl(objects, roles.prometheus)}/api/v1/targets`],
          { encoding: 'utf8' },
        );
        const targets = JSON.parse(r.stdout).data.activeTargets.filter((t: any) => t.labels.job === job);
        if (targets.length && targets.every((t: any) => t.health === 'up' && Date.parse(t.lastScrape) > since))
          return 'up';
        throw new Error(JSON.stringify(targets.map((t: any) => ({ health: t.health, lastError: t.lastError }))));
      },
      90_000,
      2000,
    );
    expect(health).toBe('up');
  });

  // NetworkPolicy of the adapter: any peer on its port (the API server is no pod and has no fixed address).
  // Here the API server runs on the node, whose traffic kube-router always lets through (as the NetworkPolicy API
  // says of a pod's node); on a managed control plane it comes from elsewhere, which is why the policy names no peer:
  // a pod of an unrelated namespace reaching the port shows that the policy, not the node exemption, keeps it open.
  test('open: the API server reaches the adapter (both APIServices Available), and so does any peer on its port', async () => {
    for (const api of objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name)) {
      kubectl(['wait', '--for=condition=Available', `apiservice/${api}`, '--timeout=180s']);
    }
    const adapter = await podOf(roles.adapter);
    expect(
      await expectOpen(
        'stranger → adapter pod',
        stranger,
        `https://${adapter.ip}:${roles.port(roles.adapter)}/healthz`,
        ['-k'],
      ),
    ).toBeGreaterThan(0);
  });

  // NetworkPolicy of Prometheus: from the adapter's pods, on its port
  test('open: the adapter queries Prometheus (the External metric API answers with a value)', async () => {
    const metric = hpa.spec.metrics[0].external.metric;
    const selector = Object.entries(metric.selector.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const external = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${hpa.metadata.namespace}/${metric.name}?labelSelector=${encodeURIComponent(selector)}`;
    // the adapter lists metric names at start and every relist interval (60 s in dist/)
    const value = await waitFor(
      'the External metric',
      () => {
        const list = JSON.parse(kubectl(['get', '--raw', external]));
        return list.items?.[0]?.value;
      },
      150_000,
      2000,
    );
    expect(value).toBeDefined();
  });

  test('closed: a pod of an unrelated namespace → the pushgateway (its NetworkPolicy)', async () => {
    await expectClosed('stranger → pushgateway Service', stranger, `${serviceUrl(objects, roles.pushgateway)}/metrics`);
    await expectClosed(
      'stranger → pushgateway pod',
      stranger,
      `http://${pushgateway.ip}:${roles.port(roles.pushgateway)}/metrics`,
    );
  });

  test('closed: a pod of an unrelated namespace → Prometheus (its NetworkPolicy)', async () => {
    await expectClosed(
      'stranger → Prometheus Service',
      stranger,
      `${serviceUrl(objects, roles.prometheus)}/api/v1/query?query=up`,
    );
    await expectClosed(
      'stranger → Prometheus pod',
      stranger,
      `http://${prometheus.ip}:${roles.port(roles.prometheus)}/api/v1/query?query=up`,
    );
  });

  test("closed: an Interlok pod → Prometheus's query API (its NetworkPolicy)", async () => {
    await expectClosed(
      'Interlok → Prometheus Service',
      interlok.name,
      `${serviceUrl(objects, roles.prometheus)}/api/v1/query?query=up`,
    );
    await expectClosed(
      'Interlok → Prometheus pod',
      interlok.name,
      `http://${prometheus.ip}:${roles.port(roles.prometheus)}/api/v1/query?query=up`,
    );
  });
});
