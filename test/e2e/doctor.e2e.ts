// `doctor` on the real control plane: dist/ installed once, then one link broken at a time, doctor run as a user runs
// it (the CLI, the kubeconfig of the cluster), and the link repaired until doctor says healthy again. Every name the
// test breaks comes from the manifests it installed (dist/), never from a list of its own: the stack's names may
// change.
import { spawn } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { staleAfterOf } from '../../lib/model/manifests';
import { crdFiles } from '../cluster/build';
import {
  getJson,
  kubectl,
  kubectlResult,
  labelSelector,
  Pusher,
  readmeTeardown,
  requireCluster,
  resetCluster,
  sleep,
  waitFor,
  waitForEveryAdapterReplica,
} from './harness';
import { cliBundle } from '../support/cli-bundle';

const root = join(__dirname, '..', '..');
/** The CLI as its package's bin runs it (`npx cdk8s-interlok-scaling`), bundled once for this file. */
const cli = cliBundle();
const dist = join(root, 'dist');
const objects: any[] = parseAllDocuments(readFileSync(join(dist, 'interlok-autoscaling.k8s.yaml'), 'utf8')).map((d) =>
  d.toJSON(),
);
const find = (kind: string, pred: (o: any) => boolean = () => true) => {
  const o = objects.find((x) => x.kind === kind && pred(x));
  if (!o) throw new Error(`dist/ has no ${kind} of that kind`);
  return o;
};
const args = (d: any): string[] => d.spec.template.spec.containers.flatMap((c: any) => c.args ?? []);

// the stack, as dist/ names it
const hpa = find('HorizontalPodAutoscaler');
const NS = hpa.metadata.namespace;
const externalApi = find('APIService', (o) => o.spec.group === 'external.metrics.k8s.io');
const adapter = find('Deployment', (d) => args(d).some((a) => a.startsWith('--prometheus-url=')));
const adapterNs = adapter.metadata.namespace;
const adapterConfig = find(
  'ConfigMap',
  (c) =>
    c.metadata.namespace === adapterNs &&
    c.metadata.name === adapter.spec.template.spec.volumes.find((v: any) => v.configMap).configMap.name,
);
const authReader = find('RoleBinding', (b) =>
  b.subjects.some((s: any) => s.name === adapter.spec.template.spec.serviceAccountName),
);
const promUrl = new URL(
  args(adapter)
    .find((a) => a.startsWith('--prometheus-url='))!
    .slice('--prometheus-url='.length),
);
const [promService, promNs] = promUrl.hostname.split('.') as [string, string];
const promSvc = find('Service', (s) => s.metadata.name === promService && s.metadata.namespace === promNs);
const prometheus = find(
  'Deployment',
  (d) =>
    d.metadata.namespace === promNs &&
    Object.entries(promSvc.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
);
const promConfig = find(
  'ConfigMap',
  (c) =>
    c.metadata.namespace === promNs &&
    c.metadata.name === prometheus.spec.template.spec.volumes.find((v: any) => v.configMap).configMap.name,
);
const interlok = find(
  'Deployment',
  (d) => d.metadata.name === hpa.spec.scaleTargetRef.name && d.metadata.namespace === NS,
);
const interlokContainer = interlok.spec.template.spec.containers.find((c: any) =>
  c.env?.some((e: any) => e.name === 'JAVA_OPTS'),
);
const pushgateway = / -?-DprometheusEndpointUrl=(\S+)/.exec(
  ` ${interlokContainer.env.find((e: any) => e.name === 'JAVA_OPTS').value}`,
)![1]!;
const interlokSelector = labelSelector(interlok.spec.selector.matchLabels);
const staleAfter = staleAfterOf(parse(adapterConfig.data['config.yaml']).externalRules[0])!;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json?: any;
}

/**
 * doctor on the cluster of KUBECONFIG, as the bin runs it but in this file's CLI worker (the bundle and the Kubernetes
 * client load once, not once per poll); the read-only ServiceAccount's run below goes through the bin itself.
 */
async function doctor(...flags: string[]): Promise<Run> {
  const run: Run = await cli.run(['doctor', ...flags]);
  if (flags.includes('--json')) {
    try {
      run.json = JSON.parse(run.stdout);
    } catch {
      run.json = undefined;
    }
  }
  return run;
}

/** The one chain of dist/'s HPA, as JSON. */
async function chain(...flags: string[]): Promise<{ run: Run; chain: any; link: (name: string) => any[] }> {
  const run = await doctor('--json', ...flags);
  const c = run.json?.chains?.find(
    (x: any) =>
      x.name === (flags.includes('--scaled-object') ? flags[flags.indexOf('--scaled-object') + 1] : hpa.metadata.name),
  );
  if (!c) throw new Error(`doctor printed no chain for it (exit ${run.code}): ${run.stderr}${run.stdout}`);
  return { run, chain: c, link: (name) => c.findings.filter((f: any) => f.link === name) };
}

/** Doctor's verdict once the cluster has caught up with a change: polls until `ok` holds. */
async function verdict(
  what: string,
  ok: (c: Awaited<ReturnType<typeof chain>>) => boolean,
  timeoutMs = 120_000,
  ...flags: string[]
) {
  let last: Awaited<ReturnType<typeof chain>> | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await chain(...flags);
        return ok(last) ? last : undefined;
      },
      timeoutMs,
      // a doctor run makes some twenty reads of the API server and several queries of Prometheus while the test
      // clusters share 2 cores: polled less often than a single read
      4000,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast report: ${JSON.stringify(last?.chain, null, 1)}`);
  }
}

const healthy = () =>
  verdict('doctor to call the stack healthy', (c) => c.run.code === 0 && c.chain.brokenLink === undefined, 180_000);
const interlokPods = (): string[] =>
  getJson(['get', 'pods', '-n', NS, '-l', interlokSelector])
    .items.filter((p: any) => !p.metadata.deletionTimestamp)
    .map((p: any) => p.metadata.name);
const pushgatewayUrl = () => process.env.PUSHGATEWAY_URL!;

let pusher: Pusher;
let work: string;

beforeAll(async () => {
  requireCluster();
  work = mkdtempSync(join(tmpdir(), 'doctor-e2e-'));
  pusher = new Pusher(pushgatewayUrl());
  await resetCluster();
  kubectl(['apply', '-f', dist]);
  kubectl(['wait', '--for=condition=Available', `apiservice/${externalApi.metadata.name}`, '--timeout=180s']);
  kubectl(['-n', adapterNs, 'wait', '--for=condition=Ready', 'pod', '--all', '--timeout=120s']);
  // every replica, not the one a request happened to reach: each finds the metric name on its own relist
  const { metric } = hpa.spec.metrics[0].external;
  await waitForEveryAdapterReplica(adapter, [
    `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/${metric.name}?labelSelector=${encodeURIComponent(
      labelSelector(metric.selector.matchLabels),
    )}`,
  ]);
  await healthy();
}, 400_000);

afterAll(async () => {
  pusher?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  await readmeTeardown();
}, 300_000);

test('healthy stack: every link ok, exit 0; the shipped read-only ClusterRole is all doctor needs', async () => {
  const [pod] = interlokPods();
  pusher.set(NS, pod!, 50);
  const c = await verdict(
    'the pushed 50 through the adapter',
    (x) => x.link('query')[0]?.what.includes('returns 50') && x.link('pushgateway')[0]?.status === 'ok',
  );
  expect(c.run.code).toBe(0);
  expect(c.chain.brokenLink).toBeUndefined();
  expect(c.chain.findings.map((f: any) => f.link)).toEqual([
    'HPA',
    'APIService',
    'adapter pods',
    'adapter permissions',
    'adapter rule',
    'discovery',
    'metric value',
    'Prometheus',
    'query',
    'scrape',
    'pushgateway',
    'Interlok',
  ]);
  expect(c.chain.findings.every((f: any) => f.status === 'ok')).toBe(true);
  expect(c.link('scrape')[0].what).toContain(pushgateway);
  expect(c.link('adapter rule')[0].what).toContain(hpa.spec.metrics[0].external.metric.name);

  const text = await doctor();
  expect(text.code).toBe(0);
  expect(text.stderr).toBe('');
  expect(text.stdout).toMatch(new RegExp(`^HorizontalPodAutoscaler ${NS}/${hpa.metadata.name}$`, 'm'));
  expect(text.stdout).toMatch(/^ {2}healthy$/m);

  // a ServiceAccount bound to rbac/doctor-clusterrole.yaml only, through a kubeconfig of its own
  const sa = 'doctor-e2e-reader';
  kubectl(['apply', '-f', join(root, 'rbac', 'doctor-clusterrole.yaml')]);
  kubectl(['create', 'serviceaccount', sa, '-n', 'default']);
  kubectl([
    'create',
    'clusterrolebinding',
    sa,
    '--clusterrole=interlok-scaling-doctor',
    `--serviceaccount=default:${sa}`,
  ]);
  try {
    const token = kubectl(['create', 'token', sa, '-n', 'default']).trim();
    const admin = getJson(['config', 'view', '--raw', '--minify']);
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'reader',
      clusters: [{ name: 'c', cluster: admin.clusters[0].cluster }],
      users: [{ name: 'reader', user: { token } }],
      contexts: [{ name: 'reader', context: { cluster: 'c', user: 'reader' } }],
    };
    const file = join(work, 'reader.kubeconfig');
    writeFileSync(file, stringify(kubeconfig));
    const asReader = await new Promise<Run>((resolve) => {
      const p = spawn(process.execPath, [cli(), 'doctor', '--json'], {
        cwd: root,
        env: { ...process.env, KUBECONFIG: file },
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => {
        stdout += d;
      });
      p.stderr.on('data', (d) => {
        stderr += d;
      });
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(asReader.stderr).toBe('');
    expect(asReader.code).toBe(0);
    const findings = JSON.parse(asReader.stdout).chains[0].findings;
    expect(findings.filter((f: any) => f.status !== 'ok')).toEqual([]);
    expect(findings).toHaveLength(12);
    // and it may not write anything
    const can = kubectlResult(['auth', 'can-i', '--list', `--as=system:serviceaccount:default:${sa}`]).stdout;
    expect(can).not.toMatch(
      /\b(create|update|patch|delete)\b.*\b(pods|configmaps|horizontalpodautoscalers|apiservices)\b/,
    );
  } finally {
    kubectlResult(['delete', 'clusterrolebinding', sa]);
    kubectlResult(['delete', 'serviceaccount', sa, '-n', 'default']);
    kubectlResult(['delete', '-f', join(root, 'rbac', 'doctor-clusterrole.yaml')]);
  }
});

test('stale groups only (Interlok idle): exit 0 with a note, not a failure', async () => {
  pusher.stop();
  await sleep((staleAfter + 2) * 1000);
  const c = await verdict('the group to be stale', (x) => x.link('pushgateway')[0]?.status === 'note');
  expect(c.run.code).toBe(0);
  expect(c.chain.brokenLink).toBeUndefined();
  expect(c.link('pushgateway')[0].what).toMatch(/^1 group\(s\), all stale \(no push for \d+ s\): idle, they count 0$/);
  const text = await doctor('--hpa', hpa.metadata.name, '--namespace', NS);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^ {2}note {2}pushgateway: 1 group\(s\), all stale/m);
});

test('a push the pushgateway refused (another type than a group it has): broken at the pushgateway, with both times', async () => {
  const [pod] = interlokPods();
  const push = (ns: string, name: string, type: string) =>
    fetch(`${pushgatewayUrl()}/metrics/job/interlok/k8s_namespace/${ns}/k8s_pod_name/${name}`, {
      method: 'POST',
      body: `# TYPE MessageMetrics ${type}\nMessageMetrics 5\n`,
    });
  const del = (ns: string, name: string) =>
    fetch(`${pushgatewayUrl()}/metrics/job/interlok/k8s_namespace/${ns}/k8s_pod_name/${name}`, { method: 'DELETE' });
  try {
    expect((await push(NS, pod!, 'counter')).status).toBe(200);
    expect((await push('doctor-e2e', 'another-pusher', 'counter')).status).toBe(200);
    // Interlok's next push declares another type: refused, and only push_failure_time_seconds says so
    expect((await push(NS, pod!, 'gauge')).status).toBe(400);
    const c = await chain();
    expect(c.run.code).toBe(1);
    expect(c.chain.brokenLink).toBe('pushgateway');
    const f = c.chain.findings.at(-1);
    expect(f.what).toBe(`the pushgateway refused the latest push of 1 group(s): ${pod}`);
    expect(f.evidence).toMatch(/^push_failure_time_seconds [\d.e+]+ > push_time_seconds [\d.e+]+ /);
    expect(f.fix).toContain('curl -X DELETE');
  } finally {
    await del(NS, pod!);
    await del('doctor-e2e', 'another-pusher');
  }
  await healthy();
});

test('a rule for another metric name: broken at the adapter rule, exit 1', async () => {
  const config: string = adapterConfig.data['config.yaml'];
  const metric = hpa.spec.metrics[0].external.metric.name;
  const other = config.replace(`as: ${metric}`, 'as: other_metric');
  expect(other).not.toBe(config);
  kubectl([
    '-n',
    adapterNs,
    'patch',
    'configmap',
    adapterConfig.metadata.name,
    '--type=merge',
    '-p',
    JSON.stringify({ data: { 'config.yaml': other } }),
  ]);
  try {
    const c = await chain();
    expect(c.run.code).toBe(1);
    expect(c.chain.brokenLink).toBe('adapter rule');
    const f = c.chain.findings.at(-1);
    expect(f.what).toContain(`serves External metric ${metric}`);
    expect(f.evidence).toContain('it serves other_metric');
    expect(f.fix).toContain('name.as');
    const text = await doctor();
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /^ {2}FAIL {2}adapter rule: .*\n {8}evidence: .*\n {8}fix: .*\n {2}broken link: adapter rule$/m,
    );
    expect(text.stderr).toMatch(/^cdk8s-interlok-scaling: error: 1 chain\(s\) broken: .* at adapter rule\n$/);
  } finally {
    kubectl(['apply', '-f', dist]);
  }
  await healthy();
});

test('the adapter lacking a permission (its RoleBinding deleted): broken at the adapter permissions', async () => {
  kubectl(['-n', authReader.metadata.namespace, 'delete', 'rolebinding', authReader.metadata.name]);
  try {
    const c = await chain();
    expect(c.run.code).toBe(1);
    expect(c.chain.brokenLink).toBe('adapter permissions');
    const f = c.chain.findings.at(-1);
    expect(f.what).toContain('may not get configmaps extension-apiserver-authentication in kube-system');
    expect(f.evidence).not.toContain(authReader.metadata.name);
    expect(f.fix).toContain('auth-reader binding is gone');
  } finally {
    kubectl(['apply', '-f', dist]);
  }
  await healthy();
});

test('the APIService taken by another Service: broken at the APIService, naming both', async () => {
  kubectl(
    ['apply', '-f', '-'],
    stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'doctor-e2e-other-adapter', namespace: 'default' },
      spec: { ports: [{ port: 443 }] },
    }),
  );
  kubectl([
    'patch',
    'apiservice',
    externalApi.metadata.name,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { service: { name: 'doctor-e2e-other-adapter', namespace: 'default' } } }),
  ]);
  try {
    const c = await chain();
    expect(c.run.code).toBe(1);
    expect(c.chain.brokenLink).toBe('APIService');
    const f = c.chain.findings.at(-1);
    expect(f.what).toContain("served by Service default/doctor-e2e-other-adapter, not by this library's adapter");
    expect(f.what).toContain(`Service ${externalApi.spec.service.namespace}/${externalApi.spec.service.name}`);
    expect(f.evidence).toContain('spec.service default/doctor-e2e-other-adapter');
  } finally {
    kubectl(['apply', '-f', dist]);
    kubectlResult(['delete', 'service', 'doctor-e2e-other-adapter', '-n', 'default']);
  }
  await healthy();
});

test("the adapter's pods not ready: broken at the adapter pods, with the pod's condition", async () => {
  const deploy = ['-n', adapterNs, 'deployment', adapter.metadata.name];
  kubectl(['scale', ...deploy.slice(0, 2), `${deploy[2]}/${deploy[3]}`, '--replicas=0']);
  kubectl([
    'patch',
    ...deploy,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { template: { spec: { nodeSelector: { 'doctor-e2e/no-such-node': 'x' } } } } }),
  ]);
  kubectl(['scale', ...deploy.slice(0, 2), `${deploy[2]}/${deploy[3]}`, `--replicas=${adapter.spec.replicas}`]);
  try {
    // and the scheduler's condition on the pod: its FailedScheduling event can be read before the condition is
    // (seen under load), and then doctor cannot yet tell a pod that will never be scheduled
    const c = await verdict(
      'the adapter pods to be pending, unschedulable',
      (x) =>
        x.chain.brokenLink === 'adapter pods' &&
        String(x.chain.findings.at(-1)?.evidence).includes('PodScheduled=False'),
      60_000,
    );
    expect(c.run.code).toBe(1);
    const f = c.chain.findings.at(-1);
    expect(f.what).toMatch(new RegExp(`^0 of ${adapter.spec.replicas} adapter pods ready`));
    expect(f.evidence).toContain('PodScheduled=False Unschedulable');
    expect(f.fix).toContain('cannot be scheduled');
    // the APIService and the HPA show it first: symptoms, and the walk went on to the cause
    expect(c.chain.findings.filter((x: any) => x.symptom).map((x: any) => x.link)).toEqual(
      expect.arrayContaining(['APIService']),
    );
  } finally {
    kubectl([
      'patch',
      ...deploy,
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'remove', path: '/spec/template/spec/nodeSelector/doctor-e2e~1no-such-node' }]),
    ]);
    kubectl(['apply', '-f', dist]);
  }
  await healthy();
});

test('Prometheus not scraping the pushgateway: broken at the scrape, with its targets', async () => {
  const yml: string = promConfig.data['prometheus.yml'];
  const elsewhere = yml.replace(pushgateway, `doctor-e2e-nowhere.${promNs}.svc:9091`);
  expect(elsewhere).not.toBe(yml);
  const restart = async () => {
    kubectl(['-n', promNs, 'rollout', 'restart', `deployment/${prometheus.metadata.name}`]);
    kubectl(['-n', promNs, 'rollout', 'status', `deployment/${prometheus.metadata.name}`, '--timeout=120s']);
  };
  kubectl([
    '-n',
    promNs,
    'patch',
    'configmap',
    promConfig.metadata.name,
    '--type=merge',
    '-p',
    JSON.stringify({ data: { 'prometheus.yml': elsewhere } }),
  ]);
  try {
    await restart();
    // a Prometheus just started answers before its first target sync: wait until it lists the target it was given
    const c = await verdict(
      'Prometheus to run the new config',
      (x) =>
        x.chain.brokenLink === 'scrape' && String(x.chain.findings.at(-1)?.evidence).includes('doctor-e2e-nowhere'),
      90_000,
    );
    expect(c.run.code).toBe(1);
    const f = c.chain.findings.at(-1);
    expect(f.what).toBe(`Prometheus does not scrape the pushgateway ${pushgateway} that Interlok pushes to`);
    expect(f.evidence).toContain('doctor-e2e-nowhere');
    expect(f.fix).toContain('honor_labels: true');
  } finally {
    kubectl(['apply', '-f', dist]);
    await restart();
  }
  await healthy();
});

test('Interlok pushing a namespace label that does not match: broken at Interlok, with its env', async () => {
  // one JSON patch each way, so that each is one rollout (kubectl set env and apply would take two)
  const containerIndex = interlok.spec.template.spec.containers.indexOf(interlokContainer);
  const envIndex = interlokContainer.env.findIndex((e: any) => e.name === 'K8S_NAMESPACE');
  const setEnv = (entry: unknown) =>
    kubectl([
      '-n',
      NS,
      'patch',
      'deployment',
      interlok.metadata.name,
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: `/spec/template/spec/containers/${containerIndex}/env/${envIndex}`, value: entry },
      ]),
    ]);
  const before = interlokPods();
  setEnv({ name: 'K8S_NAMESPACE', value: 'doctor-e2e-elsewhere' });
  let pod: string | undefined;
  try {
    // the new pod, ready; the old one may take its grace period to go (doctor skips pods being deleted)
    pod = await waitFor(
      'the new Interlok pod',
      () => {
        const ready = getJson(['get', 'pods', '-n', NS, '-l', interlokSelector]).items.filter(
          (p: any) =>
            !p.metadata.deletionTimestamp &&
            !before.includes(p.metadata.name) &&
            p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === 1 && interlokPods().length === 1 ? (ready[0].metadata.name as string) : undefined;
      },
      300_000,
    );
    // what Interlok does with that env: its grouping labels are the namespace it was told
    pusher.set('doctor-e2e-elsewhere', pod!, 20);
    const c = await verdict('the misplaced group', (x) => x.chain.brokenLink === 'Interlok', 60_000);
    expect(c.run.code).toBe(1);
    const f = c.chain.findings.at(-1);
    expect(f.what).toBe(
      `Interlok pushes k8s_namespace="doctor-e2e-elsewhere" but runs in ${NS}: the adapter's query for ${NS} never sees it`,
    );
    expect(f.evidence).toContain(`pod ${pod} env K8S_NAMESPACE=doctor-e2e-elsewhere`);
    expect(f.fix).toContain('fieldRef metadata.namespace');
  } finally {
    pusher.stop();
    if (pod)
      await fetch(`${pushgatewayUrl()}/metrics/job/interlok/k8s_namespace/doctor-e2e-elsewhere/k8s_pod_name/${pod}`, {
        method: 'DELETE',
      });
    setEnv(interlokContainer.env[envIndex]);
  }
  // doctor skips pods being deleted: healthy once the new pod runs, however long the old one takes to go
  await verdict(
    'doctor to call the stack healthy',
    (c) => c.run.code === 0 && c.chain.brokenLink === undefined,
    300_000,
  );
});

test("a KEDA ScaledObject whose trigger cannot reach Prometheus: broken at the trigger; fixed, doctor goes on to KEDA's own links", async () => {
  const crds = crdFiles().keda;
  kubectl(['apply', '--server-side', ...crds.flatMap((f) => ['-f', f])]);
  kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
  const name = 'doctor-e2e';
  const scaledObject = (serverAddress: string) =>
    stringify({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name, namespace: NS },
      spec: {
        scaleTargetRef: { name: interlok.metadata.name },
        minReplicaCount: 1,
        maxReplicaCount: 3,
        triggers: [
          {
            type: 'prometheus',
            metadata: {
              serverAddress,
              query: `sum(MessageMetrics{k8s_namespace="${NS}"}) or vector(0)`,
              threshold: '100',
            },
          },
        ],
      },
    });
  const wrong = `http://${promService}.${promNs}.svc:9999`;
  try {
    kubectl(['apply', '-f', '-'], scaledObject(wrong));
    const c = await chain('--scaled-object', name, '--namespace', NS);
    expect(c.run.code).toBe(1);
    expect(c.chain.kind).toBe('ScaledObject');
    expect(c.chain.brokenLink).toBe('trigger');
    const f = c.chain.findings.at(-1);
    expect(f.what).toBe(
      `Prometheus at ${wrong} (ScaledObject ${NS}/${name} triggers[0] serverAddress) does not answer`,
    );
    expect(f.evidence).toMatch(/HTTP \d{3}/);
    // KEDA's operator is not running here: the ScaledObject has no status, a symptom before the trigger
    expect(c.link('ScaledObject')[0]).toMatchObject({ status: 'fail', symptom: true });

    kubectl(['apply', '-f', '-'], scaledObject(promUrl.toString()));
    const fixed = await chain('--scaled-object', name, '--namespace', NS);
    expect(fixed.link('trigger')[0]).toMatchObject({
      status: 'ok',
      what: `Prometheus at ${promUrl} answers (ScaledObject ${NS}/${name} triggers[0] serverAddress)`,
    });
    expect(fixed.link('trigger')[1].what).toMatch(/triggers\[0\]'s query returns \d+/);
    expect(fixed.chain.brokenLink).toBe('KEDA HPA');
    expect(fixed.run.code).toBe(1);
  } finally {
    kubectlResult(['delete', 'scaledobject', name, '-n', NS, '--ignore-not-found']);
    kubectlResult(['delete', '--ignore-not-found', ...crds.flatMap((f) => ['-f', f])]);
  }
});

test('usage: --hpa of no such HPA exits 2; --hpa with --scaled-object exits 2', async () => {
  const none = await doctor('--hpa', 'no-such-hpa', '--namespace', NS);
  expect(none.code).toBe(2);
  expect(none.stderr).toBe(
    `cdk8s-interlok-scaling: error: --hpa: no HorizontalPodAutoscaler "no-such-hpa" in namespace ${NS} (context ${getJson(['config', 'view', '--minify'])['current-context']})\n`,
  );
  const both = await doctor('--hpa', 'a', '--scaled-object', 'b');
  expect(both.code).toBe(2);
});
