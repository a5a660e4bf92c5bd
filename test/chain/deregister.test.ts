/**
 * §3: groups of deleted pods leave the pushgateway. Runs the preStop script of dist/'s deregistration sidecar, with
 * the env dist/ gives it, against a real pushgateway (and the real Prometheus scraping it), for a scale from 3 to 1
 * in which one of the stopping pods pushes once more after its web server stopped (as Interlok's push thread may
 * while its JVM shuts down). dist/'s stack on the harness's short clocks (1 s scrape): the hook waits out
 * Interlok's own push interval, which no prop shortens.
 */
import { spawn } from 'child_process';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { findObject, Manifest, MetricsChain, podName, shortClockObjects, sleep } from './harness';
import { which } from '../tools';

const objects = shortClockObjects();
const prometheusYaml: string = findObject(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml'];
const interlok = findObject(objects, 'Deployment', 'interlok');
const sidecar: Manifest = interlok.spec.template.spec.containers.find(
  (c: Manifest) => c.name === 'pushgateway-deregister',
);
const [shell, flag, script] = sidecar.lifecycle.preStop.exec.command as string[];
const sidecarEnv: Record<string, string> = Object.fromEntries(
  sidecar.env.filter((e: Manifest) => 'value' in e).map((e: Manifest) => [e.name, e.value]),
);
const lastPushWait = Number(sidecarEnv.LAST_PUSH_WAIT);

let chain: MetricsChain;
beforeAll(async () => {
  chain = await MetricsChain.start(prometheusYaml);
}, 60000);
afterAll(async () => {
  await chain?.stop();
});

/** A stand-in for Interlok's Jetty on 8080: it listens until the JVM stops. */
async function fakeInterlok(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Runs the preStop hook as the kubelet would: the container's env (downward API filled in) and its command. */
function preStop(
  pod: string,
  namespace: string,
  interlokHttp: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn(which(shell), [flag, script], {
      env: {
        PATH: process.env.PATH,
        ...sidecarEnv,
        PUSHGATEWAY: new URL(chain.pushgatewayUrl).host,
        INTERLOK_HTTP: interlokHttp,
        K8S_NAMESPACE: namespace,
        K8S_POD_NAME: pod,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (d) => {
      output += d;
    });
    proc.stderr.on('data', (d) => {
      output += d;
    });
    proc.on('exit', (code) => resolve({ code, output }));
  });
}

test("the sidecar waits for Interlok to stop, then one push interval: it is dist/'s", () => {
  expect(shell).toBe('sh');
  expect(sidecarEnv).toMatchObject({
    PUSHGATEWAY: 'interlok-scaling-pushgateway.interlok-scaling.svc:9091',
    INTERLOK_HTTP: '127.0.0.1:8080',
    LAST_PUSH_WAIT: '11',
  });
  // it finishes within the pod's grace period, after Interlok's preStop pause
  expect(interlok.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(5 + lastPushWait + 20);
  expect(sidecar.image).toMatch(/^curlimages\/curl:\d+\.\d+\.\d+$/);
});

test("scale 3 → 1: the two removed pods' groups are gone within the bound, the live pod's group is untouched", async () => {
  const ns = 'scale-down';
  const [live, gone1, gone2] = [1, 2, 3].map((n) => podName('interlok', n));
  for (const pod of [live, gone1, gone2]) await chain.pushAsInterlok(ns, pod, 150);
  await chain.waitFor(`count(MessageMetrics{k8s_namespace="${ns}"})`, (s) => s[0]?.value[1] === '3');

  const servers = await Promise.all([fakeInterlok(), fakeInterlok()]);
  const hooksStarted = Date.now();
  const hooks = [gone1, gone2].map((pod, i) =>
    preStop(pod, ns, `127.0.0.1:${(servers[i].address() as AddressInfo).port}`),
  );
  // Interlok gets SIGTERM and stops listening; one of them pushes once more while its JVM shuts down
  await sleep(2500);
  expect((await chain.pushgatewayGroups()).map((g) => g.k8s_pod_name).sort()).toEqual([live]);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  const stopped = Date.now();
  await sleep(1000);
  await chain.pushAsInterlok(ns, gone2, 151);
  expect((await chain.pushgatewayGroups()).map((g) => g.k8s_pod_name).sort()).toEqual([live, gone2].sort());

  const results = await Promise.all(hooks);
  const took = Date.now() - stopped;
  for (const r of results) expect(r).toEqual({ code: 0, output: '' });
  // it waited out Interlok's last push after Interlok stopped, and ended within the pod's grace period, which is
  // what bounds it (a tighter bound failed at 13.4 s for 13 s with 8 test clusters on 2 cores: curl processes start
  // slowly there)
  expect(took).toBeGreaterThanOrEqual(lastPushWait * 1000);
  expect(Date.now() - hooksStarted).toBeLessThan(interlok.spec.template.spec.terminationGracePeriodSeconds * 1000);
  const groups = await chain.pushgatewayGroups();
  expect(groups.map((g) => g.k8s_pod_name)).toEqual([live]);
  expect(groups[0]).toEqual({ job: 'interlok', k8s_namespace: ns, k8s_pod_name: live });

  // and from Prometheus one scrape later; the live pod keeps its value
  const left = await chain.waitFor(`MessageMetrics{k8s_namespace="${ns}"}`, (s) => s.length === 1, 20000);
  expect([left[0].metric.k8s_pod_name, left[0].value[1]]).toEqual([live, '150']);
}, 60000);
