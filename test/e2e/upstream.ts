// KEDA and kube-prometheus-stack's operator on the test cluster, installed by the tests that need them (start-up
// costs seconds of the cores every other test shares, so a cluster runs them only when a test asks). The manifests
// are the projects' own, read from their Go modules (KEDA's config/, prometheus-operator's example/rbac/), with what
// an install changes in them: the release's image tags, KEDA's certificates made by the test (its cert rotation off,
// the CA in the APIService and the webhook configuration, as KEDA's chart does with certificates of the user's),
// and the operator's kubelet endpoints off (there is no kubelet). The node agent runs each image's real program
// (test/cluster/cluster.ts imageRules).
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import {
  crdFiles,
  downloadModule,
  KEDA_MODULE,
  KEDA_VERSION,
  PROMETHEUS_OPERATOR_MODULE,
  PROMETHEUS_OPERATOR_VERSION,
  PROMETHEUS_VERSION,
} from '../cluster/build';
import { serviceProxyBase } from '../../cli/service-proxy';
import { STATE_ENV } from '../cluster/cluster';
import { readmeExamples } from '../readme-examples';
import { getJson, kubectl, kubectlResult, waitFor } from './harness';
import { apiGet, serverError } from './kube-api';

const root = join(__dirname, '..', '..');

function docs(file: string): any[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter((o) => o && o.kind);
}

const toYaml = (objects: any[]) => objects.map((o) => stringify(o)).join('---\n');

/** The namespace KEDA's manifests install into (its Service names are in its certificates). */
export const KEDA_NAMESPACE = 'keda';

/** KEDA's own manifests (config/ of its module, as its kustomization lists them), for this cluster. */
export function kedaManifests(caPem: string): any[] {
  const config = join(
    downloadModule(KEDA_MODULE, KEDA_VERSION, () => undefined),
    'config',
  );
  const files = [
    'general/namespace.yaml',
    'service_account/service_account.yaml',
    'rbac/role.yaml',
    'rbac/role_binding.yaml',
    'rbac/aggregate_cluster_roles.yaml',
    'manager/manager.yaml',
    'manager/service.yaml',
    'metrics-server/role.yaml',
    'metrics-server/role_binding.yaml',
    'metrics-server/deployment.yaml',
    'metrics-server/service.yaml',
    'metrics-server/api_service.yaml',
    'webhooks/webhooks.yaml',
    'webhooks/service.yaml',
    'webhooks/validation_webhooks.yaml',
  ];
  const caBundle = Buffer.from(caPem).toString('base64');
  return files
    .flatMap((f) => docs(join(config, f)))
    .map((o) => {
      if (o.kind === 'Deployment') {
        // KEDA's Helm chart, the usual install, also labels the pods with app.kubernetes.io/name (the release YAML
        // only on the Deployment): our Prometheus NetworkPolicy admits the operator by it (Scaler.keda's operatorPeer)
        o.spec.template.metadata.labels['app.kubernetes.io/name'] = o.metadata.name;
        for (const c of o.spec.template.spec.containers) {
          c.image = c.image.replace(/:[^:/]+$/, `:${KEDA_VERSION}`);
          c.imagePullPolicy = 'IfNotPresent';
          // the certificates are the test's (the Secret kedaorg-certs): no rotation, which would write its own and exit
          c.args = (c.args ?? []).map((a: string) =>
            a === '--enable-cert-rotation=true' ? '--enable-cert-rotation=false' : a,
          );
        }
      }
      if (o.kind === 'APIService') o.spec.caBundle = caBundle;
      if (o.kind === 'ValidatingWebhookConfiguration') for (const w of o.webhooks) w.clientConfig.caBundle = caBundle;
      return o;
    });
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA and one serving certificate for the given DNS names, as KEDA's cert rotation would make them. */
function certificates(names: string[]): { ca: string; crt: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'upstream-certs-'));
  try {
    openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
    openssl(
      dir,
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=test-upstream-ca',
    );
    openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'tls.key');
    openssl(dir, 'req', '-new', '-key', 'tls.key', '-out', 'tls.csr', '-subj', `/CN=${names[0]}`);
    writeFileSync(
      join(dir, 'ext'),
      `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`,
    );
    openssl(
      dir,
      'x509',
      '-req',
      '-in',
      'tls.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'tls.crt',
      '-days',
      '2',
      '-extfile',
      'ext',
    );
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { ca: read('ca.crt'), crt: read('tls.crt'), key: read('tls.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function applyCrds(files: string[]): void {
  // server-side: prometheus-operator's CRDs are larger than the last-applied annotation allows
  kubectl(['apply', '--server-side', '--force-conflicts', ...files.flatMap((f) => ['-f', f])]);
  const names = files.flatMap((f) => docs(f)).map((o) => `crd/${o.metadata.name}`);
  kubectl(['wait', '--for=condition=Established', ...names, '--timeout=120s']);
}

let kedaObjects: any[] = [];

/**
 * Installs KEDA (CRDs, then its manifests with certificates of the test) and waits until its webhook answers and its
 * metrics server's APIService is Available; resolves to the seconds it took.
 */
export async function installKeda(): Promise<number> {
  const t0 = Date.now();
  applyCrds(crdFiles().keda);
  const names = ['keda-operator', 'keda-metrics-apiserver', 'keda-admission-webhooks'].flatMap((s) => [
    `${s}.${KEDA_NAMESPACE}`,
    `${s}.${KEDA_NAMESPACE}.svc`,
    `${s}.${KEDA_NAMESPACE}.svc.cluster.local`,
  ]);
  const certs = certificates(names);
  kedaObjects = kedaManifests(certs.ca);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'kedaorg-certs', namespace: KEDA_NAMESPACE },
    stringData: { 'ca.crt': certs.ca, 'tls.crt': certs.crt, 'tls.key': certs.key },
  };
  kubectl(['apply', '-f', '-'], toYaml([kedaObjects.find((o) => o.kind === 'Namespace'), secret]));
  kubectl(['apply', '-f', '-'], toYaml(kedaObjects));
  kubectl(['-n', KEDA_NAMESPACE, 'wait', '--for=condition=Available', 'deployment', '--all', '--timeout=180s']);
  kubectl(['wait', '--for=condition=Available', 'apiservice/v1beta1.external.metrics.k8s.io', '--timeout=120s']);
  return (Date.now() - t0) / 1000;
}

/** KEDA's objects and CRDs deleted (the APIService and the webhook configuration first); waits until they are gone. */
export async function uninstallKeda(): Promise<void> {
  const first = kedaObjects.filter((o) => o.kind === 'APIService' || o.kind === 'ValidatingWebhookConfiguration');
  if (first.length) kubectlResult(['delete', '--ignore-not-found', '-f', '-'], toYaml(first));
  kubectlResult([
    'delete',
    'scaledobjects.keda.sh',
    '--all',
    '-A',
    '--ignore-not-found',
    '--wait=true',
    '--timeout=60s',
  ]);
  if (kedaObjects.length)
    kubectlResult(['delete', '--ignore-not-found', '--wait=true', '--timeout=120s', '-f', '-'], toYaml(kedaObjects));
  kubectlResult(['delete', '--ignore-not-found', ...crdFiles().keda.flatMap((f) => ['-f', f])]);
  await waitFor(
    'the keda namespace gone',
    () => (kubectlResult(['get', 'namespace', KEDA_NAMESPACE]).status !== 0 ? true : undefined),
    120_000,
  );
}

/** What a kube-prometheus-stack release installs that the tests need: where its Prometheus answers. */
export interface KubePrometheusStack {
  readonly release: string;
  readonly namespace: string;
  /** the Prometheus object's (and the stack's Service's) name, `<fullname>-prometheus` */
  readonly prometheus: string;
  /** the StatefulSet the operator made */
  readonly statefulSet: string;
  /** the Secret the operator writes the generated configuration into */
  readonly configSecret: string;
}

let operatorObjects: any[] = [];
let stackObjects: any[] = [];

/** The version of the Prometheus the node agent runs for Prometheus images (the operator needs it for its flags). */
export function prometheusVersion(): string {
  return PROMETHEUS_VERSION;
}

/**
 * prometheus-operator (its CRDs and example/rbac/prometheus-operator manifests in `namespace`), then a Prometheus as
 * kube-prometheus-stack's chart makes it for `release`: monitors selected by `release: <release>` in every namespace,
 * its ServiceAccount and ClusterRole, and the Service `<fullname>-prometheus` (port 9090 `http-web`). `prometheus` is
 * that Service's name, which the chart derives from the release (`<release>-kube-prometheus-stack` cut to 26
 * characters, or the release when it contains the chart's name), plus `-prometheus`. Resolves once the operator has
 * written the configuration and Prometheus is Ready.
 */
export async function installKubePrometheusStack(opts: {
  release: string;
  namespace: string;
  prometheus: string;
}): Promise<{ stack: KubePrometheusStack; seconds: number }> {
  const t0 = Date.now();
  const { release, namespace, prometheus } = opts;
  applyCrds(crdFiles().prometheusOperator);
  const example = join(
    downloadModule(PROMETHEUS_OPERATOR_MODULE, PROMETHEUS_OPERATOR_VERSION, () => undefined),
    'example',
    'rbac',
  );
  if (kubectlResult(['get', 'namespace', namespace]).status !== 0) kubectl(['create', 'namespace', namespace]);
  operatorObjects = readdirSync(join(example, 'prometheus-operator'))
    .filter((f) => f.endsWith('.yaml') && !f.includes('service-monitor'))
    .sort()
    .flatMap((f) => docs(join(example, 'prometheus-operator', f)))
    .map((o) => {
      if (o.metadata.namespace) o.metadata.namespace = namespace;
      for (const s of o.subjects ?? []) if (s.namespace) s.namespace = namespace;
      if (o.kind === 'Deployment') {
        const c = o.spec.template.spec.containers[0];
        // no kubelet here: its Endpoints (for scraping cAdvisor) are not the operator's to keep
        c.args = c.args.filter((a: string) => !/^--kubelet-/.test(a));
      }
      return o;
    });
  const labels = {
    app: 'kube-prometheus-stack-prometheus',
    release,
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/part-of': 'kube-prometheus-stack',
  };
  const rbac = docs(join(example, 'prometheus', 'prometheus-cluster-role.yaml'))[0];
  stackObjects = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: prometheus, namespace, labels } },
    { ...rbac, metadata: { name: `${namespace}-${prometheus}`, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${namespace}-${prometheus}`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${namespace}-${prometheus}` },
      subjects: [{ kind: 'ServiceAccount', name: prometheus, namespace }],
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: { name: prometheus, namespace, labels },
      spec: {
        // the chart's values: selectors nil in values → `release: <release>`, namespace selectors {} (all namespaces)
        serviceMonitorSelector: { matchLabels: { release } },
        serviceMonitorNamespaceSelector: {},
        podMonitorSelector: { matchLabels: { release } },
        podMonitorNamespaceSelector: {},
        probeSelector: { matchLabels: { release } },
        probeNamespaceSelector: {},
        ruleSelector: { matchLabels: { release } },
        ruleNamespaceSelector: {},
        scrapeConfigSelector: { matchLabels: { release } },
        scrapeConfigNamespaceSelector: {},
        // the image and version the agent runs (the version tells the operator which flags it takes)
        image: `quay.io/prometheus/prometheus:${prometheusVersion()}`,
        version: prometheusVersion(),
        replicas: 1,
        serviceAccountName: prometheus,
        portName: 'http-web',
        routePrefix: '/',
        listenLocal: false,
        externalUrl: `http://${prometheus}.${namespace}:9090`,
        enableAdminAPI: false,
        retention: '10d',
        securityContext: {
          fsGroup: 2000,
          runAsGroup: 2000,
          runAsNonRoot: true,
          runAsUser: 1000,
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: prometheus, namespace, labels: { ...labels, 'self-monitor': 'true' } },
      spec: {
        ports: [
          { name: 'http-web', port: 9090, targetPort: 9090 },
          { name: 'reloader-web', port: 8080, targetPort: 'reloader-web' },
        ],
        selector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': prometheus },
      },
    },
  ];
  kubectl(['apply', '-f', '-'], toYaml(operatorObjects));
  kubectl(['-n', namespace, 'wait', '--for=condition=Available', 'deployment/prometheus-operator', '--timeout=180s']);
  kubectl(['apply', '-f', '-'], toYaml(stackObjects));
  const stack: KubePrometheusStack = {
    release,
    namespace,
    prometheus,
    statefulSet: `prometheus-${prometheus}`,
    configSecret: `prometheus-${prometheus}`,
  };
  await waitFor(
    `the operator's StatefulSet ${stack.statefulSet}`,
    () => (kubectlResult(['-n', namespace, 'get', 'statefulset', stack.statefulSet]).status === 0 ? true : undefined),
    120_000,
  );
  await prometheusReady(stack);
  return { stack, seconds: (Date.now() - t0) / 1000 };
}

/**
 * Resolves once the stack's Prometheus pod (another one than `notUid`, if given) is Ready and
 * prometheus-config-reloader has reloaded it once. The reloader's first sync retries Prometheus's /-/reload until it
 * answers, and watches the files only after it (thanos pkg/reloader, Watch): a monitor applied in that window
 * reached Prometheus only on the next --watch-interval, 3 min later (the test that reads the pushed metric took 202 s
 * instead of 30). Users meet the same window right after an install; the tests start once it has passed.
 */
async function prometheusReady(stack: KubePrometheusStack, notUid?: string): Promise<void> {
  const { namespace } = stack;
  const pod = `${stack.statefulSet}-0`;
  await waitFor(
    `Prometheus ${namespace}/${pod} Ready`,
    () => {
      const p = getJson(['-n', namespace, 'get', 'pod', pod]);
      const ready = p.status?.conditions?.find((c: any) => c.type === 'Ready')?.status;
      if (p.metadata.uid !== notUid && ready === 'True' && !p.metadata.deletionTimestamp) return true;
      throw new Error(p.metadata.uid === notUid ? 'the old pod' : `Ready ${ready}`);
    },
    180_000,
    2000,
  );
  const service = stackObjects.find((o) => o.kind === 'Service');
  const port = service.spec.ports.find((p: any) => p.name === 'reloader-web').port;
  const metrics = `${serviceProxyBase(`http://${stack.prometheus}.${namespace}.svc:${port}`)!.prefix}/metrics`;
  await waitFor(
    "prometheus-config-reloader's first reload of Prometheus",
    () => {
      const r = apiGet(metrics);
      if (r.status === 200 && /^reloader_last_reload_successful 1$/m.test(String(r.body))) return true;
      throw new Error(`${metrics}: ${r.status === 200 ? 'not reloaded yet' : serverError(r)}`);
    },
    120_000,
    2000,
  );
}

/**
 * Starts the stack's Prometheus pod again, so that it runs on the configuration the operator has written by now.
 * prometheus-config-reloader sees only the first change of that Secret: its watch (thanos pkg/reloader, addFile)
 * follows the mounted file's symlink to a file that the next `..data` swap deletes, as the kubelet's AtomicWriter
 * swaps it, so later changes reach Prometheus at its 3 min --watch-interval only (which prometheus-operator v0.85.0
 * leaves at that default). A test whose monitor is not the first change restarts Prometheus rather than wait for it.
 */
export async function restartPrometheus(stack: KubePrometheusStack): Promise<void> {
  const pod = `${stack.statefulSet}-0`;
  const uid = getJson(['-n', stack.namespace, 'get', 'pod', pod]).metadata.uid;
  kubectl(['-n', stack.namespace, 'delete', 'pod', pod, '--wait=false']);
  await prometheusReady(stack, uid);
}

export async function uninstallKubePrometheusStack(): Promise<void> {
  if (stackObjects.length)
    kubectlResult(['delete', '--ignore-not-found', '--wait=true', '--timeout=120s', '-f', '-'], toYaml(stackObjects));
  if (operatorObjects.length)
    kubectlResult(
      ['delete', '--ignore-not-found', '--wait=true', '--timeout=120s', '-f', '-'],
      toYaml(operatorObjects),
    );
}

/** The generated Prometheus configuration the operator wrote (gzipped YAML in its Secret). */
export function generatedConfig(stack: KubePrometheusStack): string {
  const s = getJson(['-n', stack.namespace, 'get', 'secret', stack.configSecret]);
  return require('zlib').gunzipSync(Buffer.from(s.data['prometheus.yaml.gz'], 'base64')).toString('utf8');
}

// Synthesizing an app as a user would: ./synthesize.ts, under the names these tests use.
export { synthesizeApp } from './synthesize';
export type { SynthesizedApp as Synthesized } from './synthesize';
import { synthesizeApp, SynthesizedApp as Synthesized } from './synthesize';

/** The running (not terminating) pods of a Deployment, by its own selector. */
export function podsOfDeployment(ns: string, name: string): string[] {
  const d = getJson(['-n', ns, 'get', 'deployment', name]);
  const selector = Object.entries(d.spec.selector.matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return getJson(['-n', ns, 'get', 'pods', '-l', selector])
    .items.filter((p: any) => !p.metadata.deletionTimestamp)
    .map((p: any) => p.metadata.name)
    .sort();
}

/** The pushgateway Interlok pushes to, as the synthesized Deployment tells it (`-DprometheusEndpointUrl=host:port`). */
export function pushgatewayUrl(s: Synthesized, name: string): string {
  const d = one(s, 'Deployment', name);
  const env = d.spec.template.spec.containers.flatMap((c: any) => c.env ?? []);
  const m = /-DprometheusEndpointUrl=(\S+)/.exec(env.find((e: any) => e.name === 'JAVA_OPTS')?.value ?? '');
  if (!m) throw new Error(`Deployment ${name} pushes nowhere`);
  return `http://${m[1]}`;
}

/** The README example under `heading`, synthesized. */
export function readmeExample(work: string, heading: string): Synthesized {
  const ex = readmeExamples(readFileSync(join(root, 'README.md'), 'utf8')).find((e) => e.heading === heading);
  if (!ex) throw new Error(`README.md has no example under "${heading}"`);
  return synthesizeApp(work, heading.replace(/[^a-z0-9]+/gi, '-').toLowerCase(), ex.code);
}

/** The one object of a kind (and name, when given) of a synthesized app. */
export function one(s: Synthesized, kind: string, name?: string): any {
  const found = s.objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** `http://name.namespace.svc:port/...` → the Service's name, namespace and port. */
export function serviceOf(url: string): { name: string; namespace: string; port: number } {
  const m = /^https?:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::(\d+))?/.exec(url);
  if (!m) throw new Error(`not a Service URL: ${url}`);
  return { name: m[1]!, namespace: m[2]!, port: Number(m[3] ?? 80) };
}

/** A Prometheus HTTP API query from the node (whose traffic every NetworkPolicy lets through). */
export function promQuery(base: string, query: string): any[] {
  const out = execFileSync(
    'curl',
    [
      '-fsS',
      '--max-time',
      '10',
      '--get',
      '--data-urlencode',
      `query=${query}`,
      `${base.replace(/\/+$/, '')}/api/v1/query`,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out).data.result;
}

/**
 * Pages that a stand-in pod serves (the node agent's stand-in pages, test/cluster/go/standin.go): written into the
 * cluster's state dir, served on every port the pod's stand-in containers declare from the next agent tick (2 s).
 */
export function setStandInPage(namespace: string, pod: string, path: string, body: string): void {
  const state = process.env[STATE_ENV];
  if (!state) throw new Error(`${STATE_ENV} is not set: run inside \`npm run cluster -- run\``);
  const file = join(state, 'pages', namespace, pod, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(`${file}.tmp`, body);
  require('fs').renameSync(`${file}.tmp`, file);
}

export function deleteStandInPages(namespace: string, pod: string): void {
  const state = process.env[STATE_ENV];
  if (state) rmSync(join(state, 'pages', namespace, pod), { recursive: true, force: true });
}

/**
 * Resolves once `url` answers 2xx from the node. A pod that just became Ready may not take traffic for a few seconds
 * more (kube-router syncs its NetworkPolicy chains on the pod's changes, each sync taking a moment), and the Pusher
 * fails the test on its first failed push.
 */
export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${url} to answer`,
    () => (spawnSync('curl', ['-fsS', '-o', '/dev/null', '--max-time', '3', url]).status === 0 ? true : undefined),
    timeoutMs,
    1000,
  );
}
