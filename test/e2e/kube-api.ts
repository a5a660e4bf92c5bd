// Reads of the test cluster's API from this process, synchronously, for the tests' polls. A kubectl process per read
// cost about 0.06 CPU-s (a Go runtime, its scheme and a TLS handshake each time) and the e2e files made some 1,300
// of them per `npm test`, while the test clusters share 2 cores. The requests go out from a worker thread
// through @kubernetes/client-node (one kept-alive connection); the test's thread waits on it with Atomics.wait, so
// the helpers stay synchronous like the kubectl calls they replace. Writes stay kubectl's: they are what we test.
import { readdirSync, readFileSync, statSync } from 'fs';
import { extname, join } from 'path';
import { MessageChannel, MessagePort, Worker } from 'worker_threads';
import { parseAllDocuments } from 'yaml';
import { callSync } from '../support/sync-call';

/** What a GET answered: the HTTP status and the body (parsed when it is JSON). */
export interface ApiResponse {
  readonly status: number;
  readonly body: any;
}

const WORKER = `
const { workerData } = require('worker_threads');
const https = require('https');
const k8s = require(workerData.clientNode);
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const server = new URL(kc.getCurrentCluster().server);
const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
async function get(path) {
  const opts = { method: 'GET', hostname: server.hostname, port: server.port, path, agent,
    headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  opts.agent = agent;
  return new Promise((resolve, reject) => {
    const req = https.request(opts, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => {
        let body = data;
        try { body = JSON.parse(data); } catch {}
        resolve({ status: res.statusCode, body });
      });
    });
    req.setTimeout(60000, () => req.destroy(new Error('no answer in 60 s')));
    req.on('error', reject);
    req.end();
  });
}
const port = workerData.port;
port.on('message', ({ id, path, flag }) => {
  get(path).then(
    (value) => port.postMessage({ id, value }),
    (e) => port.postMessage({ id, error: String((e && e.message) || e) }),
  ).finally(() => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); });
});
`;

let channel: MessagePort | undefined;

/** GET `path` (with its query) from the cluster's API server, as KUBECONFIG's user. */
export function apiGet(path: string): ApiResponse {
  if (!channel) {
    const { port1, port2 } = new MessageChannel();
    const clientNode = require.resolve('@kubernetes/client-node');
    // unref'd: the worker and its port never keep jest waiting at exit
    new Worker(WORKER, { eval: true, workerData: { clientNode, port: port2 }, transferList: [port2] }).unref();
    port1.unref();
    channel = port1;
  }
  return callSync<ApiResponse>(channel, { path }, `GET ${path}`, 90_000);
}

/** The resources the tests poll, by the names kubectl takes for them: [API group path, plural, namespaced]. */
const READABLE: Record<string, [string, string, boolean]> = {};
for (const [names, base, plural, namespaced] of [
  ['namespace namespaces ns', '/api/v1', 'namespaces', false],
  ['node nodes', '/api/v1', 'nodes', false],
  ['pod pods po', '/api/v1', 'pods', true],
  ['configmap configmaps cm', '/api/v1', 'configmaps', true],
  ['secret secrets', '/api/v1', 'secrets', true],
  ['service services svc', '/api/v1', 'services', true],
  ['deployment deployments deploy', '/apis/apps/v1', 'deployments', true],
  ['replicaset replicasets rs', '/apis/apps/v1', 'replicasets', true],
  ['hpa horizontalpodautoscaler horizontalpodautoscalers', '/apis/autoscaling/v2', 'horizontalpodautoscalers', true],
  ['apiservice apiservices', '/apis/apiregistration.k8s.io/v1', 'apiservices', false],
  ['scaledobject scaledobjects so', '/apis/keda.sh/v1alpha1', 'scaledobjects', true],
] as const) {
  for (const n of names.split(' ')) READABLE[n] = [base, plural, namespaced];
}

/**
 * The API path of a plain `get <resource> [name] [-n ns] [-l selector] [-A]`, or undefined for anything else (which
 * kubectl then runs).
 */
export function readPath(args: readonly string[]): string | undefined {
  let ns = 'default';
  let all = false;
  let selector: string | undefined;
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-n' || a === '--namespace') ns = args[++i];
    else if (a === '-l' || a === '--selector') selector = args[++i];
    else if (a === '-A' || a === '--all-namespaces') all = true;
    else if (a.startsWith('-')) return undefined;
    else words.push(a);
  }
  const [verb, resource, name, ...rest] = words;
  const r = verb === 'get' && resource !== undefined ? READABLE[resource] : undefined;
  if (!r || rest.length > 0 || (name !== undefined && (all || selector !== undefined))) return undefined;
  const [base, plural, namespaced] = r;
  const scope = namespaced && !all ? `/namespaces/${encodeURIComponent(ns)}` : '';
  const query = selector !== undefined ? `?labelSelector=${encodeURIComponent(selector)}` : '';
  return `${base}${scope}/${plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}${query}`;
}

/** A refusal as kubectl prints it: `Error from server (NotFound): ...`. */
export function serverError(r: ApiResponse): string {
  return typeof r.body === 'object' && r.body
    ? `Error from server (${r.body.reason}): ${r.body.message}`
    : `Error from server (${r.status}): ${r.body}`;
}

/** The object or list at `path`; an answer other than 2xx throws with the server's message, as kubectl would. */
export function apiGetJson(path: string): any {
  const r = apiGet(path);
  if (r.status >= 200 && r.status < 300) return r.body;
  throw new Error(`GET ${path}: ${serverError(r)}`);
}

interface Resource {
  readonly path: string;
  readonly namespaced: boolean;
}
const resources = new Map<string, Resource>();

/** Where objects of `apiVersion`/`kind` live, from the server's discovery (cached for the file's run). */
export function resourceOf(apiVersion: string, kind: string): Resource {
  const key = `${apiVersion}/${kind}`;
  let r = resources.get(key);
  if (!r) {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const list = apiGetJson(base);
    const found = list.resources.find((x: any) => x.kind === kind && !x.name.includes('/'));
    if (!found) throw new Error(`the server has no ${kind} in ${apiVersion}`);
    r = { path: `${base}/${found.name}`, namespaced: found.namespaced };
    resources.set(key, r);
  }
  return r;
}

/** The REST path of one object (its namespace defaulting to `default`, as kubectl's does for a manifest). */
export function objectPath(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }) {
  const r = resourceOf(o.apiVersion, o.kind);
  const [, prefix, plural] = /^(.*)\/([^/]+)$/.exec(r.path)!;
  const ns = r.namespaced ? `/namespaces/${o.metadata.namespace ?? 'default'}` : '';
  return `${prefix}${ns}/${plural}/${encodeURIComponent(o.metadata.name)}`;
}

/** The objects of a manifest file, or of a directory's .yaml/.yml/.json files (not recursing, as `kubectl -f`). */
export function manifestObjects(path: string): any[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f)))
        .sort()
        .map((f) => join(path, f))
    : [path];
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8'))
      .map((d) => d.toJS())
      .filter((o) => o && o.kind),
  );
}

/**
 * The live objects of a manifest (`kubectl get -f path -o json`), in the manifest's order, managedFields kept only
 * when asked for (kubectl's --show-managed-fields), only those of `kinds` if given. An object that does not exist
 * throws, as kubectl fails, unless `ignoreNotFound` (its --ignore-not-found) leaves it out.
 */
export function liveManifestObjects(
  path: string,
  opts: { readonly managedFields?: boolean; readonly ignoreNotFound?: boolean; readonly kinds?: string[] } = {},
): any[] {
  const out: any[] = [];
  for (const o of manifestObjects(path).filter((x) => !opts.kinds || opts.kinds.includes(x.kind))) {
    const at = objectPath(o);
    const r = apiGet(at);
    if (r.status === 404 && opts.ignoreNotFound) continue;
    if (r.status !== 200) throw new Error(`GET ${at}: ${serverError(r)}`);
    if (!opts.managedFields) delete r.body.metadata.managedFields;
    out.push(r.body);
  }
  return out;
}
