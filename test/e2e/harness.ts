import { execFileSync, spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { request as httpsRequest } from 'https';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { serviceProxyBase } from '../../cli/service-proxy';
import { STATE_ENV } from '../cluster/cluster';
import { chainRoles } from './chain-roles';
import { apiGet, apiGetJson, liveManifestObjects, manifestObjects, readPath, serverError } from './kube-api';

/** Fails the suite (never skips it) when it is not run inside `npm run cluster -- run`. */
export function requireCluster(): { prometheusUrl: string; pushgatewayUrl: string } {
  for (const v of ['KUBECONFIG', 'PROMETHEUS_URL', 'PUSHGATEWAY_URL', STATE_ENV]) {
    if (!process.env[v])
      throw new Error(
        `${v} is not set: the e2e tests run inside the test cluster, through \`npm run cluster -- run -- jest -c test/e2e/jest.config.js\` (npm test does this)`,
      );
  }
  return { prometheusUrl: process.env.PROMETHEUS_URL!, pushgatewayUrl: process.env.PUSHGATEWAY_URL! };
}

export interface Result {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function kubectlResult(args: string[], input?: string): Result {
  if (args.length === 3 && args[0] === 'get' && args[1] === '--raw' && args[2].startsWith('/')) {
    // a read: from this process (see kube-api.ts), answering as kubectl does
    const r = apiGet(args[2]);
    if (r.status >= 200 && r.status < 300)
      return { status: 0, stdout: typeof r.body === 'string' ? r.body : JSON.stringify(r.body), stderr: '' };
    return { status: 1, stdout: '', stderr: `${serverError(r)}\n` };
  }
  const r = spawnSync('kubectl', args, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export function kubectl(args: string[], input?: string): string {
  const r = kubectlResult(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `kubectl <args> -o json`, parsed; the plain reads of the resources below go to the API from this process. */
export function getJson(args: string[]): any {
  const read = readPath(args);
  if (!read) return JSON.parse(kubectl([...args, '-o', 'json']));
  const body = apiGetJson(read);
  if (Array.isArray(body.items)) {
    // as kubectl lists them: each item with its apiVersion and kind
    const kind = String(body.kind).replace(/List$/, '');
    for (const item of body.items) Object.assign(item, { apiVersion: body.apiVersion, kind, ...item });
  }
  return body;
}

/** The live objects of a manifest file or directory (`kubectl get -f`), by kind/namespace/name. */
export function liveObjects(path: string, opts: { managedFields?: boolean } = {}): Array<[string, any]> {
  return liveManifestObjects(path, opts).map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]);
}

/** A label selector's `-l` form: `k=v,k2=v2`. */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** What `kubectl get -f path --ignore-not-found -o name` lists: the objects of a manifest that still exist. */
function leftOf(path: string): string {
  return liveManifestObjects(path, { ignoreNotFound: true })
    .map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`)
    .join('\n');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns a value that is not undefined; the error names what was awaited and the last value.
 * Every 2 s by default: most waits are for clocks of 5 s and more, and a probe that still runs kubectl costs about
 * 0.06 CPU-s while the test clusters share 2 cores (most reads now go out from this process: kube-api.ts).
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 2000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last: ${last})` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * Pushes `MessageMetrics` as Interlok pods do (job `interlok`, grouping labels k8s_namespace and k8s_pod_name), every
 * `intervalMs` until stopped: the rules count a pod only while its group is fresh (30 s), so a value is pushed again
 * as Interlok pushes every 10 s. The test cluster's Interlok pods are stand-ins that push nothing themselves.
 */
export class Pusher {
  private readonly values = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly url: string,
    private readonly intervalMs = 5000,
  ) {}

  set(namespace: string, pod: string, value: number): void {
    this.values.set(`${namespace}/${pod}`, value);
    this.pushAll();
    if (!this.timer) this.timer = setInterval(() => this.pushAll(), this.intervalMs);
  }

  /** Stops pushing for one pod (its group then goes stale, as when Interlok is idle and pushes nothing). */
  forget(namespace: string, pod: string): void {
    this.values.delete(`${namespace}/${pod}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.values.clear();
  }

  private pushAll(): void {
    for (const [key, value] of this.values) {
      const [namespace, pod] = key.split('/');
      // curl, as the sidecar does; synchronous so that a failure shows in the test at once
      execFileSync(
        'curl',
        [
          '-fsS',
          '--max-time',
          '5',
          '--data-binary',
          '@-',
          `${this.url}/metrics/job/interlok/k8s_namespace/${namespace}/k8s_pod_name/${pod}`,
        ],
        { input: `# TYPE MessageMetrics counter\nMessageMetrics ${value}\n` },
      );
    }
  }
}

/** The names of a Deployment's running pods (not those being deleted), sorted. */
export function podsOf(namespace: string, app: string): string[] {
  const list = getJson(['get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/name=${app}`]);
  return list.items
    .filter((p: any) => !p.metadata.deletionTimestamp)
    .map((p: any) => p.metadata.name)
    .sort();
}

export interface HpaState {
  readonly desired: number;
  readonly current: number;
  readonly deploymentReplicas: number;
  readonly metric?: string;
}

export function hpaState(namespace: string, hpa: string, deployment: string): HpaState {
  const h = getJson(['get', 'hpa', hpa, '-n', namespace]);
  const d = getJson(['get', 'deployment', deployment, '-n', namespace]);
  const m = h.status?.currentMetrics?.[0];
  return {
    desired: h.status?.desiredReplicas ?? 0,
    current: h.status?.currentReplicas ?? 0,
    deploymentReplicas: d.spec.replicas,
    metric: m?.external?.current?.averageValue ?? m?.pods?.current?.averageValue,
  };
}

/** Waits until the real HPA controller has set the Deployment to `replicas` and its status says the same. */
export function waitForReplicas(
  namespace: string,
  hpa: string,
  deployment: string,
  replicas: number,
  timeoutMs: number,
): Promise<HpaState> {
  return waitFor(
    `${namespace}/${hpa} to scale ${deployment} to ${replicas}`,
    () => {
      const s = hpaState(namespace, hpa, deployment);
      if (s.desired === replicas && s.deploymentReplicas === replicas) return s;
      throw new Error(JSON.stringify(s));
    },
    timeoutMs,
    2000,
  );
}

const repoRoot = join(__dirname, '..', '..');
const distDir = join(repoRoot, 'dist');

/**
 * The README's teardown, command for command (APIServices first, then `kubectl delete -f dist/`); resolves once
 * every object of dist/ is gone and no namespace is Terminating, or fails saying what is left.
 */
export async function readmeTeardown(): Promise<void> {
  for (const command of readmeTeardownCommands()) {
    const r = spawnSync('sh', ['-c', command], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`the README's teardown command \`${command}\` exited ${r.status}:\n${r.stderr}`);
  }
  await waitForCleanCluster();
}

/** The commands of the README's Teardown section, as a user copies them. */
export function readmeTeardownCommands(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const block = /### Teardown[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no Teardown section with a sh block');
  return block[1]
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** No object of dist/ left and every namespace Active: what each suite starts from. */
export async function waitForCleanCluster(timeoutMs = 150_000): Promise<void> {
  await waitFor(
    'every object of dist/ gone and no namespace Terminating',
    () => {
      // the namespaces first: while one is Terminating, reading each object (a request each) tells nothing more
      const terminating = terminatingNamespaces();
      if (terminating.length > 0) throw new Error(`terminating: ${terminating.join(', ')}`);
      const left = leftOf(distDir);
      if (left === '') return true;
      throw new Error(`left: ${left.split('\n').join(', ')}`);
    },
    timeoutMs,
    2000,
  );
}

/** Removes whatever an earlier suite left of dist/ (the README's teardown, tolerant of what is gone already). */
export async function resetCluster(): Promise<void> {
  kubectl([
    'delete',
    'apiservice',
    'v1beta1.custom.metrics.k8s.io',
    'v1beta1.external.metrics.k8s.io',
    '--ignore-not-found',
  ]);
  kubectl(['delete', '-f', distDir, '--ignore-not-found', '--wait=false']);
  await waitForCleanCluster();
}

/**
 * An object as applied, without what the server keeps for itself (resourceVersion, managedFields, status, kubectl's
 * last-applied annotation): equal fingerprints mean nothing a user wrote changed.
 */
export function fingerprints(file: string): Record<string, string> {
  return Object.fromEntries(
    liveObjects(file).map(([key, o]) => {
      // a Deployment's generation also counts annotation changes (kubectl's last-applied one); replicaSets() shows
      // whether a rollout happened
      const { resourceVersion, managedFields, annotations, generation, ...meta } = o.metadata;
      const { ['kubectl.kubernetes.io/last-applied-configuration']: _, ...rest } = annotations ?? {};
      void resourceVersion;
      void managedFields;
      void _;
      void generation;
      const { status, ...body } = o;
      void status;
      return [key, JSON.stringify({ ...body, metadata: { ...meta, annotations: rest } })];
    }),
  );
}

/** Every ReplicaSet's name: a new one means a rollout. */
export function replicaSets(): string[] {
  return getJson(['get', 'replicasets', '-A'])
    .items.map((r: any) => `${r.metadata.namespace}/${r.metadata.name}`)
    .sort();
}

// Added for test/e2e/readme-examples-suite.ts: the same checks for any file or directory of manifests.

/**
 * kubectl's client-side apply always sends a PodDisruptionBudget's `spec.selector` again (its patch strategy is
 * `replace`), so it prints `configured` for each PDB on every run; the server changes nothing (resourceVersions stay).
 */
export const KUBECTL_RESENDS = /^poddisruptionbudget\.policy\/\S+ configured$/;

/** The lines kubectl apply printed, one per object. */
export function applyLines(out: string): string[] {
  return out.trim().split('\n').filter(Boolean);
}

/** Every object of a manifest file or directory, by kind/namespace/name, with its resourceVersion now. */
export function resourceVersions(path: string): Record<string, string> {
  return Object.fromEntries(liveObjects(path).map(([key, o]) => [key, o.metadata.resourceVersion]));
}

/** The namespaces that are not Active (Terminating), by name. */
export function terminatingNamespaces(): string[] {
  return getJson(['get', 'namespaces'])
    .items.filter((n: any) => n.status.phase !== 'Active')
    .map((n: any) => n.metadata.name);
}

/** Resolves once no object of a manifest file or directory is left and no namespace is Terminating. */
export async function waitForDeleted(path: string, timeoutMs = 150_000): Promise<void> {
  await waitFor(
    `every object of ${path} gone and no namespace Terminating`,
    () => {
      const terminating = terminatingNamespaces(); // first, as in waitForCleanCluster
      if (terminating.length > 0) throw new Error(`terminating: ${terminating.join(', ')}`);
      const left = leftOf(path);
      if (left === '') return true;
      throw new Error(`left: ${left.split('\n').join(', ')}`);
    },
    timeoutMs,
    2000,
  );
}

/**
 * What kubectl's applies wrote of each object of a manifest file or directory: the object without its status,
 * resourceVersion and the Deployment controller's revision annotation, with only kubectl's own managedFields entries
 * (their times change only when the server stored a change of theirs). Equal before and after an apply means the
 * apply changed nothing; unlike resourceVersions, it does not see the status writes of controllers (a PDB's, an
 * HPA's or a Deployment's status changes as pods start).
 */
export function appliedState(path: string): Record<string, string> {
  return Object.fromEntries(
    liveObjects(path, { managedFields: true }).map(([key, o]) => {
      const { resourceVersion, managedFields, annotations, ...meta } = o.metadata;
      const { ['deployment.kubernetes.io/revision']: _, ...rest } = annotations ?? {};
      void resourceVersion;
      void _;
      const { status, ...body } = o;
      void status;
      const kubectls = (managedFields ?? []).filter(
        (f: any) => String(f.manager).startsWith('kubectl') && f.subresource !== 'status',
      );
      return [key, JSON.stringify({ ...body, metadata: { ...meta, annotations: rest, managedFields: kubectls } })];
    }),
  );
}

/**
 * The PATCH requests in the stderr of a `kubectl ... -v=8` run, as `<url> <body>`: what `kubectl apply` sent, i.e.
 * where
 * it found a manifest and the live object different.
 */
export function sentPatches(stderr: string): string[] {
  const out: string[] = [];
  let body: string | undefined;
  for (const line of stderr.split('\n')) {
    const b = /"Request Body" body="(.*)"$/.exec(line);
    if (b) {
      body = unquote(b[1]!);
      continue;
    }
    const u = /"Request" verb="PATCH" url="([^"?]+)/.exec(line);
    if (u && body) out.push(`${u[1]} ${body}`);
    if (u) body = undefined;
  }
  return out;
}

/** klog quotes a request body as a Go string; JSON reads it back. */
function unquote(quoted: string): string {
  try {
    return JSON.parse(`"${quoted}"`);
  } catch {
    return quoted;
  }
}

/**
 * Resolves once the Deployment controller has seen every Deployment of a manifest file or directory as it is now
 * (observedGeneration, its revision annotation, hence its ReplicaSet): replicaSets() taken after it shows a rollout.
 */
export async function waitForDeploymentsObserved(path: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `the Deployments of ${path} observed by their controller`,
    () => {
      const pending = liveManifestObjects(path, { kinds: ['Deployment'] })
        .filter(
          (d) =>
            d.status?.observedGeneration !== d.metadata.generation ||
            !d.metadata.annotations?.['deployment.kubernetes.io/revision'],
        )
        .map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
      if (pending.length === 0) return true;
      throw new Error(`pending: ${pending.join(', ')}`);
    },
    timeoutMs,
    500,
  );
}

/**
 * Creates the namespaces `objects` use but do not emit (an Interlok's namespace is the team's, never ours unless
 * `createNamespace: true`), as a user has them before the apply; returns those it created.
 */
export function ensureNamespaces(objects: any[]): string[] {
  const emitted = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const created: string[] = [];
  for (const ns of new Set<string>(objects.map((o) => o.metadata?.namespace).filter(Boolean))) {
    if (!emitted.has(ns) && kubectlResult(['get', 'namespace', ns]).status !== 0) {
      kubectl(['create', 'namespace', ns]);
      created.push(ns);
      createdHere.push(ns);
    }
  }
  return created;
}

/** Every namespace ensureNamespaces created in this test process. */
const createdHere: string[] = [];

/**
 * Deletes the namespaces ensureNamespaces created in this test process and waits until they are gone: the next file
 * on the same test cluster starts from the namespaces a cluster has (readme-examples-suite.ts takes them as the
 * user's, that an example must not emit).
 */
export async function removeCreatedNamespaces(): Promise<void> {
  const names = createdHere.splice(0);
  if (names.length === 0) return;
  kubectlResult(['delete', 'namespace', ...names, '--ignore-not-found', '--wait=false']);
  await waitFor(
    `the namespaces ${names.join(', ')} gone`,
    () => {
      const left = getJson(['get', 'namespaces'])
        .items.map((n: any) => n.metadata.name)
        .filter((n: string) => names.includes(n));
      return left.length === 0 ? true : undefined;
    },
    150_000,
  );
}

/**
 * `kubectl apply -f <dist>` as two applies of its objects: all but the adapter's Deployment, then, once Prometheus
 * has scraped what the adapter's External rules discover (their seriesQuery), the adapter's Deployment, waited for
 * until Available. The adapter lists metric names when it starts and then every --metrics-relist-interval (60 s in
 * dist/): in one apply it starts before Prometheus's first scrape of the pushgateway and serves the External metric
 * up to a minute later. That minute is what a user meets after the README's one apply, which apply.e2e,
 * takeover.e2e, doctor.e2e and the README examples' suites apply; a file that tests what the chain does once it
 * serves can start without it.
 */
export async function applyAdapterLast(dist: string): Promise<void> {
  const objects = manifestObjects(dist);
  const { adapter, adapterPrometheusUrl } = chainRoles(objects);
  if (!adapter || !adapterPrometheusUrl) throw new Error(`${dist} has no prometheus-adapter Deployment`);
  // through the API server's proxy to the Service, as doctor reads Prometheus
  const proxy = serviceProxyBase(adapterPrometheusUrl);
  if (!proxy) throw new Error(`the adapter's --prometheus-url ${adapterPrometheusUrl} is not a Service's address`);
  const configMap = adapter.spec.template.spec.volumes.find((v: any) => v.configMap).configMap.name;
  const config = objects.find(
    (o) =>
      o.kind === 'ConfigMap' && o.metadata.name === configMap && o.metadata.namespace === adapter.metadata.namespace,
  );
  const seriesQueries: string[] = (parse(config.data['config.yaml']).externalRules ?? []).map(
    (r: any) => r.seriesQuery,
  );
  const isAdapter = (o: any) =>
    o.kind === 'Deployment' &&
    o.metadata.name === adapter.metadata.name &&
    (o.metadata.namespace ?? 'default') === adapter.metadata.namespace;
  kubectl(
    ['apply', '-f', '-'],
    objects
      .filter((o) => !isAdapter(o))
      .map((o) => stringify(o))
      .join('---\n'),
  );
  await waitFor(
    `Prometheus to have scraped ${seriesQueries.join(', ')}`,
    () => {
      for (const q of seriesQueries) {
        const r = apiGet(`${proxy.prefix}/api/v1/query?query=${encodeURIComponent(q)}`);
        if (r.status !== 200) throw new Error(`${q}: ${serverError(r)}`);
        if (!(r.body?.data?.result?.length > 0)) throw new Error(`${q}: no series yet`);
      }
      return true;
    },
    120_000,
  );
  kubectl(['apply', '-f', '-'], stringify(objects.find(isAdapter)));
  kubectl([
    '-n',
    adapter.metadata.namespace,
    'wait',
    '--for=condition=Available',
    `deployment/${adapter.metadata.name}`,
    '--timeout=120s',
  ]);
}

/**
 * Resolves once every running pod of an adapter Deployment answers each of `paths` (External or custom metrics URLs)
 * itself, asked as the aggregator asks it (the front-proxy client certificate and the X-Remote-* headers, here of
 * a cluster admin). Through the APIService a request reaches one replica at random, and each replica finds a metric
 * name only on its own relist (every 60 s in dist/): a replica whose relist came before Prometheus's first scrape
 * of the pushgateway answers NotFound for up to a minute more while the other serves it.
 */
export async function waitForEveryAdapterReplica(adapter: any, paths: string[], timeoutMs = 180_000): Promise<void> {
  const namespace: string = adapter.metadata.namespace;
  const selector = labelSelector(adapter.spec.selector.matchLabels);
  const args: string[] = adapter.spec.template.spec.containers.flatMap((c: any) => c.args ?? []);
  const port = Number(/^--secure-port=(\d+)$/.exec(args.find((a) => a.startsWith('--secure-port=')) ?? '')?.[1] ?? 443);
  const pki = join(process.env[STATE_ENV]!, 'pki');
  const cert = readFileSync(join(pki, 'front-proxy-client.crt'));
  const key = readFileSync(join(pki, 'front-proxy-client.key'));
  const ask = (ip: string, port: number, path: string) =>
    new Promise<number>((resolve) => {
      const req = httpsRequest(
        {
          host: ip,
          port,
          path,
          cert,
          key,
          rejectUnauthorized: false, // the adapter's own serving certificate, as the APIService's insecureSkipTLSVerify
          headers: { 'X-Remote-User': 'cdk8s-interlok-scaling-test', 'X-Remote-Group': 'system:masters' },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end();
    });
  await waitFor(
    `every replica of the adapter in ${namespace} to serve ${paths.join(', ')}`,
    async () => {
      const pods = getJson(['get', 'pods', '-n', namespace, '-l', selector]).items.filter(
        (p: any) => !p.metadata.deletionTimestamp && p.status.podIP,
      );
      if (pods.length === 0) throw new Error('no adapter pod has an IP yet');
      const answers: string[] = [];
      for (const p of pods) {
        for (const path of paths) {
          const status = await ask(p.status.podIP, port, path);
          if (status !== 200) answers.push(`${p.metadata.name}: ${status} for ${path}`);
        }
      }
      if (answers.length === 0) return true;
      throw new Error(answers.join('; '));
    },
    timeoutMs,
    2000,
  );
}
