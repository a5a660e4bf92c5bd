// Traffic between pods' network namespaces on the test cluster, for the NetworkPolicy tests: probes run inside a
// pod's namespace as `npm run cluster -- exec` runs them (traffic from the node itself is always let through, as on a
// real node), stand-in pods (an image the node agent does not know: it runs nothing, but the pod gets a namespace
// and an IP), and listeners inside them.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { join } from 'path';
import { stringify } from 'yaml';
import { podExecArgv, STATE_ENV } from '../cluster/cluster';
import { getJson, kubectl, labelSelector, sleep, waitFor } from './harness';

const repoRoot = join(__dirname, '..', '..');

/** What `npm run cluster -- exec <pod> -- <argv>` runs, without npm and the CLI's own start. */
function execIn(pod: string, argv: string[]): [string, string[]] {
  const [namespace, name] = pod.split('/', 2);
  return podExecArgv(process.env[STATE_ENV]!, namespace!, name!, argv, repoRoot);
}

/** Runs a command in a pod's network namespace (the test cluster's `exec`); waits for it. */
export function podExec(pod: string, argv: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(...execIn(pod, argv), { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * An HTTP request from `pod`'s namespace: the status code, or 0 when no connection was made (curl's exit 7, what
 * kube-router's REJECT gives, or 28 after 3 s, what a DROP gives). Any other failure (of `exec` itself, of curl)
 * throws: a probe that did not run must never pass for a closed path.
 */
export function httpFrom(pod: string, url: string, curlArgs: string[] = []): number {
  const r = podExec(pod, [
    'curl',
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--connect-timeout',
    '3',
    '--max-time',
    '5',
    ...curlArgs,
    url,
  ]);
  if (r.status === 0 && /^[1-5]\d\d$/.test(r.stdout.trim())) return Number(r.stdout.trim());
  if (r.status === 7 || r.status === 28) return 0;
  throw new Error(`the probe ${pod} → ${url} did not run: exit ${r.status}, ${r.stderr.trim()}`);
}

/** Open: an HTTP answer (any status) within `timeoutMs` (the engine syncs new pods and policies within seconds). */
export async function expectOpen(
  what: string,
  pod: string,
  url: string,
  curlArgs: string[] = [],
  timeoutMs = 45_000,
): Promise<number> {
  return waitFor(
    `${what} (${pod} → ${url}) to be open`,
    () => {
      const code = httpFrom(pod, url, curlArgs);
      if (code > 0) return code;
      throw new Error('no connection');
    },
    timeoutMs,
    1000,
  );
}

/** Closed: no connection, and still none on a second try 6 s later (after one more sync of the engine). */
export async function expectClosed(what: string, pod: string, url: string, timeoutMs = 45_000): Promise<void> {
  await waitFor(
    `${what} (${pod} → ${url}) to be closed`,
    () => {
      const code = httpFrom(pod, url);
      if (code === 0) return true;
      throw new Error(`answered ${code}`);
    },
    timeoutMs,
    1000,
  );
  await sleep(6000);
  expect({ path: what, status: httpFrom(pod, url) }).toEqual({ path: what, status: 0 });
}

/**
 * A stand-in Deployment (image busybox: the test cluster runs nothing for it) of one pod with these labels
 * (app=<name> unless given), selected by all of them.
 */
export function standIn(namespace: string, name: string, labels: Record<string, string> = { app: name }): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'stand-in', image: 'busybox:1.37' }] } },
    },
  };
}

export function applyObjects(objects: object[]): void {
  kubectl(['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
}

export interface RunningPod {
  /** namespace/name, as `exec` takes it */
  readonly name: string;
  readonly ip: string;
}

/** The first running pod (not being deleted) with these labels. */
export async function runningPod(
  namespace: string,
  labels: Record<string, string>,
  timeoutMs = 90_000,
): Promise<RunningPod> {
  const selector = labelSelector(labels);
  return waitFor(
    `a running pod of ${namespace} (${selector})`,
    () => {
      const pod = getJson(['get', 'pods', '-n', namespace, '-l', selector]).items.find(
        (p: any) => p.status.phase === 'Running' && p.status.podIP && !p.metadata.deletionTimestamp,
      );
      return pod ? { name: `${namespace}/${pod.metadata.name}`, ip: pod.status.podIP } : undefined;
    },
    timeoutMs,
  );
}

const listeners: ChildProcess[] = [];

/**
 * An HTTP listener on 0.0.0.0:`port` inside `pod`'s namespace (a stand-in pod listens on nothing itself), answering
 * `body` to every request; resolves once it answers (from the node, which every policy lets through).
 */
export async function listenIn(pod: RunningPod, port: number, body = 'ok\n'): Promise<void> {
  const child = spawn(
    ...execIn(pod.name, [
      process.execPath,
      '-e',
      `require('http').createServer((q, r) => r.end(${JSON.stringify(body)})).listen(${port}, '0.0.0.0')`,
    ]),
    { cwd: repoRoot, stdio: 'ignore', detached: true },
  );
  listeners.push(child);
  await waitFor(
    `the listener in ${pod.name}`,
    () => {
      const r = spawnSync('curl', ['-sf', '--max-time', '2', `http://${pod.ip}:${port}/`], { encoding: 'utf8' });
      return r.status === 0 ? true : undefined;
    },
    60_000,
    500,
  );
}

/** Stops every listener this process started. */
export function stopListeners(): void {
  for (const child of listeners.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
}

/**
 * The canary: a deny-all-ingress NetworkPolicy in `namespace` closes a pod-to-pod path that is open without it, and
 * deleting it opens it again. Fails, saying so, when the cluster does not enforce policies: every "closed" after it
 * would prove nothing.
 */
export async function expectPoliciesEnforced(namespace: string, port = 8080): Promise<void> {
  applyObjects([standIn(namespace, 'client'), standIn(namespace, 'server')]);
  const client = await runningPod(namespace, { app: 'client' });
  const server = await runningPod(namespace, { app: 'server' });
  await listenIn(server, port);
  const url = `http://${server.ip}:${port}/`;
  expect(await expectOpen('canary without a policy', client.name, url)).toBe(200);
  applyObjects([
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny-all-ingress', namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
  ]);
  const deadline = Date.now() + 45_000;
  let code = httpFrom(client.name, url);
  while (code !== 0 && Date.now() < deadline) {
    await sleep(1000);
    code = httpFrom(client.name, url);
  }
  if (code !== 0) {
    throw new Error(
      `NetworkPolicies are not enforced: ${client.name} still reaches ${server.name} (${url}, HTTP ${code}) 45 s after ` +
        "a deny-all-ingress policy; is kube-router running (logs/kube-router.log in the cluster's state dir)?",
    );
  }
  kubectl(['delete', 'networkpolicy', 'deny-all-ingress', '-n', namespace]);
  expect(await expectOpen('canary after the policy is deleted', client.name, url)).toBe(200);
}
