// kube-prometheus-stack for real: prometheus-operator v0.85.0 (built from its Go module, run from its own example
// manifests) with a Prometheus object shaped as the stack's chart makes it (monitors selected by `release: <release>`
// in every namespace), the Prometheus the operator's StatefulSet runs (Debian's binary, on the configuration the
// operator writes into a Secret, decompressed by the real prometheus-config-reloader as init container and sidecar).
// Our ServiceMonitor becomes a real scrape job (pushgateway with honour labels), the chain works through that
// Prometheus with our adapter and with the prometheus-community chart's adapter fed by `adapter-values`, and in
// scrape mode our PodMonitor makes Prometheus discover the (stand-in) Interlok pods. Names come from the
// synthesized manifests.
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import {
  ensureNamespaces,
  removeCreatedNamespaces,
  kubectl,
  kubectlResult,
  Pusher,
  requireCluster,
  resetCluster,
  waitFor,
  waitForDeleted,
  waitForReplicas,
} from './harness';
import { cliBundle } from '../support/cli-bundle';
import {
  deleteStandInPages,
  generatedConfig,
  installKubePrometheusStack,
  KubePrometheusStack,
  one,
  podsOfDeployment,
  promQuery,
  pushgatewayUrl,
  readmeExample,
  restartPrometheus,
  serviceOf,
  setStandInPage,
  synthesizeApp,
  Synthesized,
  uninstallKubePrometheusStack,
  waitForHttp,
} from './upstream';

const root = join(__dirname, '..', '..');
/** The CLI as its package's bin runs it (`npx cdk8s-interlok-scaling`), bundled once for this file. */
const cli = cliBundle();
const HEADING = 'A cluster that runs kube-prometheus-stack';
let work: string;
let example: Synthesized;
let stack: KubePrometheusStack;
let prometheusBase: string;
let release: string;
let pusher: Pusher | undefined;

/** The Prometheus our adapter (or KEDA) queries in an app: its `--prometheus-url`. */
function prometheusUrlOf(s: Synthesized): string {
  const adapter = s.objects.find(
    (o) =>
      o.kind === 'Deployment' &&
      o.spec.template.spec.containers[0].args?.some((a: string) => a.startsWith('--prometheus-url=')),
  );
  if (adapter)
    return adapter.spec.template.spec.containers[0].args
      .find((a: string) => a.startsWith('--prometheus-url='))
      .slice('--prometheus-url='.length);
  throw new Error('no adapter queries a Prometheus in this app');
}

/** The job the operator generated for a monitor, from its Secret. */
async function generatedJob(prefix: string): Promise<any> {
  return waitFor(
    `the operator's scrape job ${prefix}`,
    () => {
      const config = parse(generatedConfig(stack));
      return (config.scrape_configs ?? []).find((j: any) => String(j.job_name).startsWith(prefix));
    },
    120_000,
    2000,
  );
}

async function teardown(s: Synthesized): Promise<void> {
  const apiServices = s.objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name);
  if (apiServices.length) kubectlResult(['delete', 'apiservice', ...apiServices, '--ignore-not-found']);
  kubectlResult(['delete', '-f', s.dist, '--ignore-not-found', '--wait=false']);
  await waitForDeleted(s.dist);
}

beforeAll(async () => {
  requireCluster();
  work = mkdtempSync(join(tmpdir(), 'kps-e2e-'));
  process.env.KUBECACHEDIR = join(work, 'kube-cache');
  await resetCluster();
  example = readmeExample(work, HEADING);
  release = one(example, 'ServiceMonitor').metadata.labels.release;
  const url = prometheusUrlOf(example);
  const svc = serviceOf(url);
  const installed = await installKubePrometheusStack({ release, namespace: svc.namespace, prometheus: svc.name });
  stack = installed.stack;
  console.log(
    `prometheus-operator and the stack's Prometheus installed and Ready in ${installed.seconds.toFixed(1)} s`,
  );
  prometheusBase = `http://${svc.name}.${svc.namespace}.svc:${svc.port}`;
}, 600_000);

afterAll(async () => {
  pusher?.stop();
  await uninstallKubePrometheusStack();
  await removeCreatedNamespaces();
  if (work) rmSync(work, { recursive: true, force: true });
}, 600_000);

describe("the README's kube-prometheus-stack example", () => {
  afterAll(async () => {
    pusher?.stop();
    if (example) await teardown(example);
  }, 300_000);

  test('the operator turns our ServiceMonitor into a scrape job: the pushgateway, honour labels, its namespace only', async () => {
    ensureNamespaces(example.objects);
    kubectl(['apply', '-f', example.dist]);
    const sm = one(example, 'ServiceMonitor');
    const job = await generatedJob(`serviceMonitor/${sm.metadata.namespace}/${sm.metadata.name}/0`);
    expect(job.honor_labels).toBe(true);
    expect(job.scrape_interval).toBe(sm.spec.endpoints[0].interval);
    const sd = job.kubernetes_sd_configs[0];
    expect(sd.role).toMatch(/^endpoints(lice)?$/);
    expect(sd.namespaces.names).toEqual(sm.spec.namespaceSelector?.matchNames ?? [sm.metadata.namespace]);
  });

  test("Prometheus, running on the operator's configuration, scrapes the pushgateway and keeps the pushed labels", async () => {
    const hpa = one(example, 'HorizontalPodAutoscaler');
    const ns = hpa.metadata.namespace;
    const deployment = hpa.spec.scaleTargetRef.name;
    kubectl(['-n', ns, 'wait', '--for=condition=Available', `deployment/${deployment}`, '--timeout=120s']);
    const [pod] = podsOfDeployment(ns, deployment);
    pusher = new Pusher(pushgatewayUrl(example, deployment));
    await waitForHttp(`${pushgatewayUrl(example, deployment)}/-/ready`);
    pusher.set(ns, pod!, 150);
    const sample = await waitFor(
      "MessageMetrics in the stack's Prometheus",
      () => {
        const r = promQuery(prometheusBase, `MessageMetrics{k8s_pod_name="${pod}"}`);
        return r.length === 1 ? r[0] : undefined;
        // prometheus-config-reloader may miss a change of the Secret while its first reload is still being retried
        // (Prometheus starting); it then re-reads the file after its --watch-interval, 3 min (seen on the cluster)
      },
      300_000,
      3000,
    );
    // honour labels: the pushed job and grouping labels, not the pushgateway's target labels
    expect(sample.metric).toMatchObject({
      __name__: 'MessageMetrics',
      job: 'interlok',
      k8s_namespace: ns,
      k8s_pod_name: pod,
    });
    expect(sample.value[1]).toBe('150');
    const targets = JSON.parse(
      execFileSync('curl', ['-fsS', `${prometheusBase}/api/v1/targets?state=active`], { encoding: 'utf8' }),
    ).data.activeTargets;
    const sm = one(example, 'ServiceMonitor');
    expect(
      targets
        .filter((t: any) => t.scrapePool.startsWith(`serviceMonitor/${sm.metadata.namespace}/${sm.metadata.name}/`))
        .map((t: any) => t.health),
    ).toEqual(['up']);
  });

  test("our adapter queries that Prometheus: the HPA scales the guide's 150 messages to 2", async () => {
    const hpa = one(example, 'HorizontalPodAutoscaler');
    for (const api of example.objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name)) {
      kubectl(['wait', '--for=condition=Available', `apiservice/${api}`, '--timeout=180s']);
    }
    const state = await waitForReplicas(
      hpa.metadata.namespace,
      hpa.metadata.name,
      hpa.spec.scaleTargetRef.name,
      2,
      240_000,
    );
    expect(state.desired).toBe(2);
    pusher!.stop();
  });
});

describe("`adapter-values` in the prometheus-community chart's adapter, against the stack's Prometheus", () => {
  let app: Synthesized;
  let adapterObjects: any[] = [];

  afterAll(async () => {
    pusher?.stop();
    if (adapterObjects.length) {
      kubectlResult([
        'delete',
        'apiservice',
        'v1beta1.custom.metrics.k8s.io',
        'v1beta1.external.metrics.k8s.io',
        '--ignore-not-found',
      ]);
      kubectlResult(['delete', '--ignore-not-found', '-f', '-'], adapterObjects.map((o) => stringify(o)).join('---\n'));
    }
    if (app) await teardown(app);
  }, 300_000);

  test("the chart's adapter with our values serves the External metric and the HPA scales 150 → 2", async () => {
    // the README's example with the cluster's own adapter (monitoring.adapter: false)
    const code = readmeExampleCode(HEADING).replace('monitoring: {\n', 'monitoring: {\n    adapter: false,\n');
    app = synthesizeApp(work, 'kps-own-adapter', code);
    expect(app.objects.filter((o) => o.kind === 'APIService')).toEqual([]);
    const sm = one(app, 'ServiceMonitor');
    const interval = sm.spec.endpoints[0].interval;
    const values = parse(
      execFileSync(process.execPath, [cli(), 'adapter-values', '--scrape-interval', interval], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
      }),
    );
    expect(values.rules.default).toBe(false);
    adapterObjects = chartAdapter(stack.namespace, prometheusBase, values);
    ensureNamespaces(app.objects);
    kubectl(['apply', '-f', app.dist]);
    kubectl(['apply', '-f', '-'], adapterObjects.map((o) => stringify(o)).join('---\n'));
    kubectl(['wait', '--for=condition=Available', 'apiservice/v1beta1.external.metrics.k8s.io', '--timeout=180s']);
    const hpa = one(app, 'HorizontalPodAutoscaler');
    const ns = hpa.metadata.namespace;
    const deployment = hpa.spec.scaleTargetRef.name;
    kubectl(['-n', ns, 'wait', '--for=condition=Available', `deployment/${deployment}`, '--timeout=120s']);
    const [pod] = podsOfDeployment(ns, deployment);
    pusher = new Pusher(pushgatewayUrl(app, deployment));
    await waitForHttp(`${pushgatewayUrl(app, deployment)}/-/ready`);
    pusher.set(ns, pod!, 150);
    const state = await waitForReplicas(ns, hpa.metadata.name, deployment, 2, 300_000);
    expect(state.desired).toBe(2);
    pusher.stop();
  });
});

describe('scrape mode with kube-prometheus-stack: our PodMonitor', () => {
  let app: Synthesized;
  afterAll(async () => {
    if (app) {
      for (const pod of podsOfDeployment(one(app, 'PodMonitor').metadata.namespace, 'interlok'))
        deleteStandInPages(one(app, 'PodMonitor').metadata.namespace, pod);
      await teardown(app);
    }
  }, 300_000);

  test('the operator makes a pod job of it; Prometheus discovers the Interlok pods and reads workflow_count_total per namespace and pod', async () => {
    const svc = serviceOf(prometheusBase);
    app = synthesizeApp(
      work,
      'kps-scrape',
      `
import { App, Duration } from 'cdk8s';
import { InterlokAutoscalingChart, InterlokImage, MetricsSource } from 'cdk8s-interlok-scaling';
const app = new App();
new InterlokAutoscalingChart(app, 'interlok-5-kps', {
  interlok: {
    namespace: 'integration',
    image: InterlokImage.fromRegistry('registry.example.com/interlok-profiler:5.0.1'),
    metricsSource: MetricsSource.scrape({ workflow: 'in-box-workflow@in-box-channel' }),
  },
  monitoring: {
    namespace: 'interlok-monitoring',
    kubePrometheusStack: { release: '${release}', namespace: '${svc.namespace}', prometheusUrl: '${prometheusBase}/', interval: Duration.seconds(10) },
  },
});
app.synth();
`,
    );
    const pm = one(app, 'PodMonitor');
    expect(pm.metadata.labels.release).toBe(release);
    const ns = pm.metadata.namespace;
    const deployment = one(app, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name;
    ensureNamespaces(app.objects);
    kubectl(['apply', '-f', app.dist]);
    const job = await generatedJob(`podMonitor/${ns}/${pm.metadata.name}/0`);
    expect(job.kubernetes_sd_configs[0]).toMatchObject({ role: 'pod', namespaces: { names: [ns] } });
    // not the Secret's first change: the config reloader would pass it on only at its 3 min watch interval
    await restartPrometheus(stack);
    kubectl(['-n', ns, 'wait', '--for=condition=Available', `deployment/${deployment}`, '--timeout=120s']);
    const pods = podsOfDeployment(ns, deployment);
    const workflow = 'in-box-workflow@in-box-channel';
    for (const pod of pods) {
      setStandInPage(
        ns,
        pod,
        pm.spec.podMetricsEndpoints[0].path.replace(/^\//, ''),
        `# TYPE workflow_count_total counter\nworkflow_count_total{component="in-box-workflow",workflow="${workflow}",} 42\n`,
      );
    }
    const samples = await waitFor(
      "workflow_count_total of every Interlok pod in the stack's Prometheus",
      () => {
        const r = promQuery(prometheusBase, `workflow_count_total{namespace="${ns}"}`);
        return r.length === pods.length ? r : undefined;
      },
      120_000,
      3000,
    );
    expect(samples.map((s: any) => [s.metric.namespace, s.metric.pod, s.metric.workflow, s.value[1]]).sort()).toEqual(
      pods.map((p) => [ns, p, workflow, '42']).sort(),
    );
  });
});

function readmeExampleCode(heading: string): string {
  const { readmeExamples } = require('../readme-examples');
  return readmeExamples(require('fs').readFileSync(join(root, 'README.md'), 'utf8')).find(
    (e: any) => e.heading === heading,
  ).code;
}

/**
 * The prometheus-community prometheus-adapter chart (5.x) as `helm install prometheus-adapter -f values.yaml` renders
 * it, for the parts that matter here: the ConfigMap from `rules.custom` / `rules.external` (the chart's
 * templates/configmap.yaml), the Deployment's args, RBAC, Service and both APIServices (insecureSkipTLSVerify, the
 * chart's default).
 */
function chartAdapter(namespace: string, prometheus: string, values: any): any[] {
  const name = 'prometheus-adapter';
  const labels = {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/component': 'metrics',
  };
  const sa = { kind: 'ServiceAccount', name, namespace };
  const config = {
    rules: values.rules.custom ?? [],
    ...(values.rules.external ? { externalRules: values.rules.external } : {}),
  };
  const apiService = (group: string) => ({
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: `v1beta1.${group}`, labels },
    spec: {
      service: { name, namespace },
      group,
      version: 'v1beta1',
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  });
  const clusterRole = (n: string, rules: any[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: n, labels },
    rules,
  });
  const binding = (n: string, role: string, subject: any) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: n, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [subject],
  });
  const hpaController = { kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, labels },
      data: { 'config.yaml': stringify(config) },
    },
    clusterRole(`${name}-resource-reader`, [
      { apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'configmaps'], verbs: ['get', 'list', 'watch'] },
    ]),
    binding(`${name}-resource-reader`, `${name}-resource-reader`, sa),
    binding(`${name}:system:auth-delegator`, 'system:auth-delegator', sa),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${name}-auth-reader`, namespace: 'kube-system', labels },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'extension-apiserver-authentication-reader',
      },
      subjects: [sa],
    },
    clusterRole(`${name}-server-resources`, [{ apiGroups: ['custom.metrics.k8s.io'], resources: ['*'], verbs: ['*'] }]),
    binding(`${name}-hpa-controller`, `${name}-server-resources`, hpaController),
    clusterRole(`${name}-external-metrics`, [
      { apiGroups: ['external.metrics.k8s.io'], resources: ['*'], verbs: ['list', 'get', 'watch'] },
    ]),
    binding(`${name}-hpa-controller-external-metrics`, `${name}-external-metrics`, hpaController),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            containers: [
              {
                name,
                image: 'registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0',
                args: [
                  '--secure-port=6443',
                  '--cert-dir=/tmp/cert',
                  `--prometheus-url=${prometheus}`,
                  '--metrics-relist-interval=1m',
                  '--v=4',
                  '--config=/etc/adapter/config.yaml',
                ],
                ports: [{ containerPort: 6443, name: 'https' }],
                readinessProbe: {
                  httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' },
                  initialDelaySeconds: 30,
                  timeoutSeconds: 5,
                },
                volumeMounts: [
                  { mountPath: '/etc/adapter/', name: 'config', readOnly: true },
                  { mountPath: '/tmp', name: 'tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: {
        ports: [{ port: 443, protocol: 'TCP', targetPort: 'https' }],
        selector: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name },
      },
    },
    apiService('custom.metrics.k8s.io'),
    apiService('external.metrics.k8s.io'),
  ];
}
