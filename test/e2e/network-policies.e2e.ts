// dist/'s NetworkPolicies, enforced by a real engine (kube-router, started by the test cluster in the node's
// namespace, where every pod's traffic is routed) and proven with traffic between pods' network namespaces.
// First a canary shows that a NetworkPolicy is enforced at all (else every "closed" below would prove nothing);
// then, with dist/ applied, every path the scaling chain needs is open and the paths our policies close are closed.
// Traffic from the node itself (the control plane, this test's own kubectl and curl) is always allowed, as on a real
// node, so every probe of a pod-to-pod path runs in a pod's namespace through `npm run cluster -- exec`.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { join } from 'path';
import { stringify } from 'yaml';
import { getJson, kubectl, kubectlResult, podsOf, readmeTeardown, requireCluster, resetCluster, sleep, waitFor } from './harness';
import { DEFAULT_NAMES as NAMES } from '../../lib/monitoring/monitoring-names';

const repoRoot = join(__dirname, '..', '..');
const dist = join(repoRoot, 'dist');
const CANARY_NS = 'np-canary';
const OTHER_NS = 'np-unrelated';
const LISTEN_PORT = 8080;
const external = '/apis/external.metrics.k8s.io/v1beta1/namespaces/default/interlok_messagemetrics?labelSelector=deployment%3Dinterlok';

/** Runs a command in a pod's network namespace (the test cluster's `exec`); waits for it. */
function podExec(pod: string, argv: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('npm', ['run', '-s', 'cluster', '--', 'exec', pod, '--', ...argv], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * An HTTP request from `pod`'s namespace: the status code, or 0 when no connection was made (curl's exit 7, what
 * kube-router's REJECT gives, or 28 after 3 s, what a DROP gives). Any other failure (of `exec` itself, of curl)
 * throws: a probe that did not run must never pass for a closed path.
 */
function httpFrom(pod: string, url: string, curlArgs: string[] = []): number {
  const r = podExec(pod, ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--connect-timeout', '3', '--max-time', '5', ...curlArgs, url]);
  if (r.status === 0 && /^[1-5]\d\d$/.test(r.stdout.trim())) return Number(r.stdout.trim());
  if (r.status === 7 || r.status === 28) return 0;
  throw new Error(`the probe ${pod} → ${url} did not run: exit ${r.status}, ${r.stderr.trim()}`);
}

/** Open: an HTTP answer (any status) within `timeoutMs` (the engine syncs new pods and policies within seconds). */
async function expectOpen(what: string, pod: string, url: string, curlArgs: string[] = [], timeoutMs = 45_000): Promise<number> {
  return waitFor(`${what} (${pod} → ${url}) to be open`, () => {
    const code = httpFrom(pod, url, curlArgs);
    if (code > 0) return code;
    throw new Error('no connection');
  }, timeoutMs, 1000);
}

/** Closed: no connection, and still none on a second try 6 s later (after one more sync of the engine). */
async function expectClosed(what: string, pod: string, url: string, timeoutMs = 45_000): Promise<void> {
  await waitFor(`${what} (${pod} → ${url}) to be closed`, () => {
    const code = httpFrom(pod, url);
    if (code === 0) return true;
    throw new Error(`answered ${code}`);
  }, timeoutMs, 1000);
  await sleep(6000);
  expect({ path: what, status: httpFrom(pod, url) }).toEqual({ path: what, status: 0 });
}

/** A stand-in Deployment (image busybox: the test cluster runs nothing for it) of one pod labelled app=<name>. */
function standIn(namespace: string, name: string): object {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: {
      replicas: 1, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'busybox:1.37' }] } },
    },
  };
}

async function runningPod(namespace: string, app: string): Promise<{ name: string; ip: string }> {
  return waitFor(`a running pod of ${namespace}/${app}`, () => {
    const pod = getJson(['get', 'pods', '-n', namespace, '-l', `app=${app}`]).items
      .find((p: any) => p.status.phase === 'Running' && p.status.podIP && !p.metadata.deletionTimestamp);
    return pod ? { name: `${namespace}/${pod.metadata.name}`, ip: pod.status.podIP } : undefined;
  }, 90_000);
}

const listeners: ChildProcess[] = [];

/** An HTTP listener on 0.0.0.0:LISTEN_PORT inside `pod`'s namespace (a stand-in pod listens on nothing itself). */
async function listenIn(pod: string, ip: string): Promise<void> {
  const child = spawn('npm', ['run', '-s', 'cluster', '--', 'exec', pod, '--', process.execPath, '-e',
    `require('http').createServer((q, r) => r.end('ok\\n')).listen(${LISTEN_PORT}, '0.0.0.0')`],
  { cwd: repoRoot, stdio: 'ignore', detached: true });
  listeners.push(child);
  // from the node, which every policy lets through
  await waitFor(`the listener in ${pod}`, () => {
    const r = spawnSync('curl', ['-sf', '--max-time', '2', `http://${ip}:${LISTEN_PORT}/`], { encoding: 'utf8' });
    return r.status === 0 ? true : undefined;
  }, 30_000, 500);
}

function denyAllIngress(namespace: string): string {
  return stringify({
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all-ingress', namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  });
}

beforeAll(async () => {
  requireCluster();
  await resetCluster();
  for (const ns of [CANARY_NS, OTHER_NS]) kubectlResult(['create', 'namespace', ns]);
  kubectl(['apply', '-f', '-'], [standIn(CANARY_NS, 'client'), standIn(CANARY_NS, 'server'), standIn(OTHER_NS, 'stranger')]
    .map((o) => stringify(o)).join('---\n'));
});

afterAll(async () => {
  for (const child of listeners) {
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
  }
  kubectlResult(['delete', 'namespace', CANARY_NS, OTHER_NS, '--wait=false']);
  await readmeTeardown();
});

test('canary: a deny-all-ingress NetworkPolicy closes a pod-to-pod path that is open without it', async () => {
  const client = await runningPod(CANARY_NS, 'client');
  const server = await runningPod(CANARY_NS, 'server');
  await listenIn(server.name, server.ip);
  const url = `http://${server.ip}:${LISTEN_PORT}/`;
  expect(await expectOpen('canary without a policy', client.name, url)).toBe(200);
  kubectl(['apply', '-f', '-'], denyAllIngress(CANARY_NS));
  const deadline = Date.now() + 45_000;
  let code = httpFrom(client.name, url);
  while (code !== 0 && Date.now() < deadline) {
    await sleep(1000);
    code = httpFrom(client.name, url);
  }
  if (code !== 0) {
    throw new Error(`NetworkPolicies are not enforced: ${client.name} still reaches ${server.name} (${url}, HTTP ${code}) 45 s after `
      + `a deny-all-ingress policy; is kube-router running (logs/kube-router.log in the cluster's state dir)?`);
  }
  kubectl(['delete', 'networkpolicy', 'deny-all-ingress', '-n', CANARY_NS]);
  expect(await expectOpen('canary after the policy is deleted', client.name, url)).toBe(200);
});

describe('dist/ applied', () => {
  let interlok: string;
  let stranger: string;
  let pushgatewayIp: string;
  let prometheusIp: string;

  beforeAll(async () => {
    kubectl(['apply', '-f', dist]);
    kubectl(['-n', NAMES.namespace, 'wait', '--for=condition=Available', 'deployment', '--all', '--timeout=180s']);
    kubectl(['-n', 'default', 'wait', '--for=condition=Available', 'deployment/interlok', '--timeout=180s']);
    interlok = `default/${podsOf('default', 'interlok')[0]}`;
    stranger = (await runningPod(OTHER_NS, 'stranger')).name;
    pushgatewayIp = (await runningPodOf(NAMES.namespace, 'prometheus-pushgateway')).ip;
    prometheusIp = (await runningPodOf(NAMES.namespace, 'prometheus')).ip;
  });

  async function runningPodOf(namespace: string, app: string): Promise<{ ip: string }> {
    return waitFor(`a running pod of ${namespace}/${app}`, () => {
      const pod = getJson(['get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/name=${app}`]).items
        .find((p: any) => p.status.phase === 'Running' && p.status.podIP && !p.metadata.deletionTimestamp);
      return pod ? { ip: pod.status.podIP } : undefined;
    }, 90_000);
  }

  // NetworkPolicy interlok-scaling/interlok-scaling-pushgateway: from pods app.kubernetes.io/name=interlok in namespace default, on 9091
  test('open: an Interlok pod pushes to the pushgateway (its Service and its pod), as Interlok and the deregistration sidecar do', async () => {
    const [, pod] = interlok.split('/');
    const metric = ['-X', 'PUT', '--data-binary', '# TYPE np_probe gauge\nnp_probe 1\n'];
    const group = `/metrics/job/np-probe/k8s_namespace/default/k8s_pod_name/${pod}`;
    expect(await expectOpen('Interlok → pushgateway Service', interlok, `http://${NAMES.pushgateway}.${NAMES.namespace}.svc:9091${group}`, metric)).toBe(200);
    expect(await expectOpen('Interlok → pushgateway pod', interlok, `http://${pushgatewayIp}:9091${group}`, metric)).toBe(200);
    spawnSync('curl', ['-sS', '-X', 'DELETE', `${process.env.PUSHGATEWAY_URL}${group}`]);
  });

  // NetworkPolicy interlok-scaling/interlok-scaling-pushgateway: from pods app.kubernetes.io/name=prometheus in namespace interlok-scaling, on 9091
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

  // NetworkPolicy interlok-scaling/interlok-scaling-adapter: any peer on 6443 (the API server is no pod and has no fixed address).
  // Here the API server runs on the node, whose traffic kube-router always lets through (as the NetworkPolicy API
  // says of a pod's node); on a managed control plane it comes from elsewhere, which is why the policy names no peer:
  // a pod of an unrelated namespace reaching 6443 shows that the policy, not the node exemption, keeps it open.
  test('open: the API server reaches the adapter (both APIServices Available), and so does any peer on 6443', async () => {
    for (const api of ['v1beta1.custom.metrics.k8s.io', 'v1beta1.external.metrics.k8s.io']) {
      kubectl(['wait', '--for=condition=Available', `apiservice/${api}`, '--timeout=180s']);
    }
    const adapterIp = (await runningPodOf(NAMES.namespace, 'prometheus-adapter')).ip;
    expect(await expectOpen('stranger → adapter pod', stranger, `https://${adapterIp}:6443/healthz`, ['-k'])).toBeGreaterThan(0);
  });

  // NetworkPolicy interlok-scaling/interlok-scaling-prometheus: from pods app.kubernetes.io/name=prometheus-adapter in namespace interlok-scaling, on 9090
  test('open: the adapter queries Prometheus (the External metric API answers with a value)', async () => {
    // the adapter lists metric names at start and every 60 s (dist/'s --metrics-relist-interval)
    const value = await waitFor('the External metric', () => {
      const list = JSON.parse(kubectl(['get', '--raw', external]));
      return list.items?.[0]?.value;
    }, 150_000, 2000);
    expect(value).toBeDefined();
  });

  test('closed: a pod of an unrelated namespace → the pushgateway on 9091 (NetworkPolicy prometheus-pushgateway)', async () => {
    await expectClosed('stranger → pushgateway Service', stranger, `http://${NAMES.pushgateway}.${NAMES.namespace}.svc:9091/metrics`);
    await expectClosed('stranger → pushgateway pod', stranger, `http://${pushgatewayIp}:9091/metrics`);
  });

  test('closed: a pod of an unrelated namespace → Prometheus on 9090 (NetworkPolicy prometheus-server)', async () => {
    await expectClosed('stranger → Prometheus Service', stranger, `http://${NAMES.prometheus}.${NAMES.namespace}.svc:80/api/v1/query?query=up`);
    await expectClosed('stranger → Prometheus pod', stranger, `http://${prometheusIp}:9090/api/v1/query?query=up`);
  });

  test("closed: an Interlok pod → Prometheus's query API (NetworkPolicy prometheus-server)", async () => {
    await expectClosed('Interlok → Prometheus Service', interlok, `http://${NAMES.prometheus}.${NAMES.namespace}.svc:80/api/v1/query?query=up`);
    await expectClosed('Interlok → Prometheus pod', interlok, `http://${prometheusIp}:9090/api/v1/query?query=up`);
  });
});
