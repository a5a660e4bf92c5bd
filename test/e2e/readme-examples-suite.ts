// Every ```ts example of the README, synthesized from this repository's lib/ and applied to a real API server (RBAC
// and admission on) as a user would: `kubectl apply -f dist/` and `kubectl apply --server-side -f dist/`, in both
// orders, with KEDA's and prometheus-operator's CRDs installed first where an example needs them. Applying again
// changes nothing by either command (every object `unchanged`, nothing stored, `kubectl diff` empty), a
// server-side apply over a client-side one meets no conflict and changes nothing but ownership, and the README's
// teardown (APIServices first, then `kubectl delete -f dist/ --ignore-not-found`) exits 0 and leaves no namespace
// Terminating.
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { crdFiles } from '../cluster/build';
import { readmeExamples } from '../readme-examples';
import {
  appliedState,
  applyLines,
  fingerprints,
  getJson,
  KUBECTL_RESENDS,
  kubectl,
  kubectlResult,
  replicaSets,
  requireCluster,
  resourceVersions,
  sentPatches,
  waitForDeleted,
  waitForDeploymentsObserved,
} from './harness';
import { Synthesized, synthesize } from './synthesize';

const root = join(__dirname, '..', '..');
const examples = readmeExamples(readFileSync(join(root, 'README.md'), 'utf8'));

const key = (o: any) =>
  `${o.kind}/${o.metadata.namespace ?? (o.kind === 'Namespace' || !namespaced(o) ? '' : 'default')}/${o.metadata.name}`;
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'APIService',
  'CustomResourceDefinition',
  'PriorityClass',
]);
const namespaced = (o: any) => !CLUSTER_SCOPED.has(o.kind);

function namespaceNames(): string[] {
  return getJson(['get', 'namespaces'])
    .items.map((n: any) => n.metadata.name)
    .sort();
}

/**
 * The suite for the README examples numbered `numbers` (1-based, in README order). It is split over several e2e
 * files, so that `npm test`'s test clusters can take them apart: each example applies and tears down its stack twice.
 */
export function readmeExamplesSuite(numbers: readonly number[], { checkHeadings = false } = {}): void {
  let work: string;
  let synthesized: Array<Synthesized | undefined>;
  const installedCrds: string[] = [];
  /** the namespaces the cluster had before any example: an example must not emit them as objects of its own */
  let existingNamespaces: string[];

  beforeAll(() => {
    requireCluster();
    work = mkdtempSync(join(tmpdir(), 'readme-examples-e2e-'));
    // kubectl's discovery and OpenAPI cache of its own: every test cluster's API server is https://10.200.0.1:6443, so
    // ~/.kube/cache would be shared with any other test cluster running on this machine
    process.env.KUBECACHEDIR = join(work, 'kube-cache');
    synthesized = examples.map((e, i) =>
      numbers.includes(i + 1) ? synthesize(work, i + 1, e.heading, e.code) : undefined,
    );
    existingNamespaces = namespaceNames();
    // the CRDs the examples' objects need: KEDA's (ScaledObject) and prometheus-operator's (ServiceMonitor, PodMonitor)
    const groups = new Set(
      synthesized.flatMap((s) => (s ? s.objects.map((o) => String(o.apiVersion).split('/')[0]) : [])),
    );
    const crds = crdFiles();
    if (groups.has('keda.sh')) installedCrds.push(...crds.keda);
    if (groups.has('monitoring.coreos.com')) installedCrds.push(...crds.prometheusOperator);
    if (installedCrds.length) {
      // server-side: prometheus-operator's CRDs are larger than the last-applied annotation allows
      kubectl(['apply', '--server-side', ...installedCrds.flatMap((f) => ['-f', f])]);
      kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
    }
  }, 300_000);

  afterAll(() => {
    if (installedCrds.length)
      kubectlResult(['delete', '--ignore-not-found', ...installedCrds.flatMap((f) => ['-f', f])]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  if (checkHeadings)
    test('the README has the six examples, and those of this file synthesize objects', () => {
      expect(examples.map((e) => e.heading)).toEqual([
        'Install',
        'Using the constructs on their own (clusters that run part of the chain)',
        'A fleet: many Interloks on one stack',
        'KEDA instead of the HPA and adapter',
        'A cluster that runs kube-prometheus-stack',
        'Interlok 4.1+ and 5.x: Prometheus scrapes the pods',
      ]);
      for (const n of numbers) expect(synthesized[n - 1]!.objects.length).toBeGreaterThan(0);
    });

  describe.each(numbers.map((n) => [n, examples[n - 1]!.heading] as const))('README example %d (%s)', (n) => {
    let ex: Synthesized;
    /** namespaces an object of the example names that neither it nor the cluster has: created by the test */
    let prerequisites: string[];

    beforeAll(() => {
      ex = synthesized[n - 1]!;
      const emitted = ex.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
      const used = [...new Set(ex.objects.map((o) => o.metadata.namespace).filter(Boolean))] as string[];
      prerequisites = used.filter((ns) => !emitted.includes(ns) && !existingNamespaces.includes(ns));
    });

    beforeEach(async () => {
      // whatever an earlier test left of this example (none when they pass)
      await cleanUp(ex);
      // A namespace the example names but does not create is one the README expects the user's cluster to have
      // already (the fleet's team namespaces: an Interlok's namespace is used, never emitted). Only that namespace is
      // created here, so that the example's own objects can be applied.
      for (const ns of prerequisites) kubectl(['create', 'namespace', ns]);
    });

    afterEach(async () => {
      // after a failed test too: an example's APIServices left behind would make the next example's namespaces hang
      // in Terminating
      await cleanUp(ex);
      for (const ns of prerequisites) kubectlResult(['delete', 'namespace', ns, '--ignore-not-found']);
      await waitForDeleted(ex.dist);
    });

    test('emits no Namespace object of a namespace the cluster had before (kubectl delete -f would delete it)', () => {
      const emitted = ex.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
      expect(emitted.filter((ns) => existingNamespaces.includes(ns))).toEqual([]);
    });

    test('client-side apply, then again: unchanged, kubectl diff empty; server-side over it: no conflict, only ownership changes; again by either: unchanged; teardown clean', async () => {
      const first = applyLines(kubectl(['apply', '-f', ex.dist]));
      expect(first.filter((l) => !/ created$/.test(l))).toEqual([]);
      expect(first).toHaveLength(ex.objects.length);
      expect(Object.keys(resourceVersions(ex.dist)).sort()).toEqual(ex.objects.map(key).sort());

      const before = appliedState(ex.dist);
      expectUnchangedByClientSide(ex);
      expect(appliedState(ex.dist)).toEqual(before);
      expectNoDiff(ex.dist, false);

      // kubectl's --server-side over a client-side apply takes the fields over for its own field manager
      await waitForDeploymentsObserved(ex.dist);
      const written = fingerprints(ex.dist);
      const rollouts = replicaSets();
      expectServerSideApplies(ex, { overClientSide: true });
      expect(fingerprints(ex.dist)).toEqual(written);
      await waitForDeploymentsObserved(ex.dist);
      expect(replicaSets()).toEqual(rollouts);
      const owned = appliedState(ex.dist);
      expectServerSideApplies(ex);
      expect(appliedState(ex.dist)).toEqual(owned);
      expectNoDiff(ex.dist, true);
      // and client-side once more: it rewrites kubectl's last-applied annotation (see expectUnchangedByClientSide) and
      // nothing else; from then on it is unchanged
      expectUnchangedByClientSide(ex, { lastAppliedOnly: true });
      expect(fingerprints(ex.dist)).toEqual(written);
      const rewritten = appliedState(ex.dist);
      expectUnchangedByClientSide(ex);
      expect(appliedState(ex.dist)).toEqual(rewritten);
      expectNoDiff(ex.dist, false);

      await teardown(ex);
    });

    test('server-side apply, then again: unchanged; client-side over it adds only its annotation, then unchanged; server-side again: no conflict; teardown clean', async () => {
      expectServerSideApplies(ex);
      expect(Object.keys(resourceVersions(ex.dist)).sort()).toEqual(ex.objects.map(key).sort());
      const before = appliedState(ex.dist);
      expectServerSideApplies(ex);
      expect(appliedState(ex.dist)).toEqual(before);
      expectNoDiff(ex.dist, true);

      // a client-side apply records kubectl.kubernetes.io/last-applied-configuration on each object the first time;
      // nothing else changes, and from then on it is unchanged
      await waitForDeploymentsObserved(ex.dist);
      const written = fingerprints(ex.dist);
      const rollouts = replicaSets();
      const csa = applyLines(kubectl(['apply', '-f', ex.dist]));
      expect(csa.filter((l) => !/ (configured|unchanged)$/.test(l))).toEqual([]);
      expect(fingerprints(ex.dist)).toEqual(written);
      await waitForDeploymentsObserved(ex.dist);
      expect(replicaSets()).toEqual(rollouts);
      for (const o of getJson(['get', '-f', ex.dist]).items) {
        expect([
          o.kind,
          o.metadata.name,
          o.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] !== undefined,
        ]).toEqual([o.kind, o.metadata.name, true]);
      }
      const annotated = appliedState(ex.dist);
      expectUnchangedByClientSide(ex);
      expect(appliedState(ex.dist)).toEqual(annotated);
      expectNoDiff(ex.dist, false);

      // server-side again over that client-side apply: no conflict, nothing but ownership changes
      expectServerSideApplies(ex);
      expect(fingerprints(ex.dist)).toEqual(written);
      await waitForDeploymentsObserved(ex.dist);
      expect(replicaSets()).toEqual(rollouts);
      const owned = appliedState(ex.dist);
      expectServerSideApplies(ex);
      expect(appliedState(ex.dist)).toEqual(owned);
      expectNoDiff(ex.dist, true);

      await teardown(ex);
    });
  });
}

/**
 * `kubectl apply -f` again: every object `unchanged` (a PDB's `configured` is kubectl's, see KUBECTL_RESENDS), and
 * nothing sent but that. Objects the example's own code builds with cdk8s-plus (not this library: see NOT_OURS) may
 * be re-sent. With `lastAppliedOnly`, kubectl may rewrite its last-applied annotation and nothing else: after a
 * server-side apply it holds the manifest as kubectl's --server-side wrote it, without the `"annotations":{}` that
 * client-side apply writes into it for an object with no annotations, so the first client-side apply after a
 * server-side one rewrites it on every object (`configured`) whatever the manifest (seen with a bare ConfigMap too;
 * a manifest with `metadata.annotations: {}` would avoid it).
 */
function expectUnchangedByClientSide(ex: Synthesized, { lastAppliedOnly = false } = {}): void {
  const r = kubectlResult(['apply', '-f', ex.dist, '-v=8']);
  expect(r.status).toBe(0);
  const notOurs = ex.objects.filter(NOT_OURS).map((o) => o.metadata.name);
  // what kubectl sent, i.e. where it found the manifest and the live object different
  const patches = sentPatches(r.stderr)
    .filter((p) => !/\/poddisruptionbudgets\//.test(p))
    .filter((p) => !notOurs.some((name) => p.startsWith(`${p.split(' ')[0]!.replace(/[^/]*$/, '')}${name} `)))
    .filter((p) => !(lastAppliedOnly && p.slice(p.indexOf(' ') + 1).startsWith(LAST_APPLIED_PATCH)));
  const changed = applyLines(r.stdout)
    .filter((l) => !/ unchanged$/.test(l) && !KUBECTL_RESENDS.test(l))
    .filter((l) => !notOurs.some((name) => l.endsWith(`/${name} configured`)))
    .filter((l) => !(lastAppliedOnly && / configured$/.test(l)));
  expect({ changed, patches }).toEqual({ changed: [], patches: [] });
}

/**
 * How a patch of kubectl's last-applied annotation begins (kubectl -v=8 logs the first 1024 characters of a body; the
 * test checks with fingerprints() that nothing else changed).
 */
const LAST_APPLIED_PATCH = '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"';

/**
 * Objects the example's own code builds with cdk8s-plus-27, not with this library: the README's "Using the
 * constructs on their own" example makes the user's Deployment with `new kplus.Deployment(...)`, whose defaults the
 * API server stores in another form (cpu `1000m` as `1`, memory `2048Mi` as `2Gi`) or drops (`minReadySeconds: 0`,
 * `hostNetwork: false`), so `kubectl apply` sends them again on every run and prints `configured` (a finding, for
 * cdk8s-plus and the README's example; PushgatewayEnv's part of that Deployment, its env, is canonical). Ours carry
 * `app.kubernetes.io/part-of`.
 */
const NOT_OURS = (o: any) => o.kind === 'Deployment' && !o.metadata.labels?.['app.kubernetes.io/part-of'];

/**
 * `kubectl apply --server-side`: exit 0, nothing on stderr, no conflict, except over a client-side apply the known
 * conflicts of NOT_OURS objects (KNOWN_CONFLICTS), which are then forced as a user would after reading kubectl's
 * message (the values are the same; only the fields' manager changes).
 */
function expectServerSideApplies(ex: Synthesized, { overClientSide = false } = {}): void {
  const r = kubectlResult(['apply', '--server-side', '-f', ex.dist]);
  const known = overClientSide ? (KNOWN_CONFLICTS[ex.heading] ?? []) : [];
  const conflicts = [...r.stderr.matchAll(/^- (\S+)$/gm)].map((m) => m[1]);
  expect(conflicts).toEqual(known);
  if (known.length) {
    const forced = kubectlResult(['apply', '--server-side', '--force-conflicts', '-f', ex.dist]);
    expect({ status: forced.status, stderr: forced.stderr }).toEqual({ status: 0, stderr: '' });
    return;
  }
  expect(r.stderr).not.toMatch(/conflict/i);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
}

/**
 * The server-side-apply conflicts over a client-side apply that come from NOT_OURS objects: the cdk8s-plus-27
 * defaults `cpu: 1000m` and `memory: 2048Mi` of the README's own Deployment, stored as `1` and `2Gi`, whose fields
 * kubectl's client-side manager owns with the other spelling (a finding for the README's example: see NOT_OURS).
 */
const KNOWN_CONFLICTS: Record<string, string[]> = {
  'Using the constructs on their own (clusters that run part of the chain)': [
    '.spec.template.spec.containers[name="main"].resources.limits.memory',
    '.spec.template.spec.containers[name="main"].resources.requests.cpu',
  ],
};

function expectNoDiff(dist: string, serverSide: boolean): void {
  const r = kubectlResult(['diff', ...(serverSide ? ['--server-side'] : []), '-f', dist]);
  expect({ status: r.status, out: r.stdout, err: r.stderr }).toEqual({ status: 0, out: '', err: '' });
}

/**
 * The README's teardown for this example's dist/: its APIServices first (while they point at an adapter being
 * deleted, discovery fails and namespaces hang in Terminating), then `kubectl delete -f dist/ --ignore-not-found`.
 * Each command must exit 0, then nothing of dist/ may be left and no namespace Terminating. (`--timeout` only so
 * that a hanging deletion fails the test instead of blocking it.)
 */
async function teardown(ex: Synthesized): Promise<void> {
  const apiServices = ex.objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name);
  const commands: string[][] = [
    ...(apiServices.length ? [['delete', 'apiservice', ...apiServices]] : []),
    ['delete', '-f', ex.dist, '--ignore-not-found', '--timeout=150s'],
  ];
  for (const args of commands) {
    const r = kubectlResult(args);
    expect({ command: `kubectl ${args.join(' ')}`, status: r.status, stderr: r.stderr }).toEqual({
      command: `kubectl ${args.join(' ')}`,
      status: 0,
      stderr: '',
    });
  }
  await waitForDeleted(ex.dist);
}

/** Whatever is left of an example, whatever state it is in: its APIServices first, then the rest, without waiting. */
async function cleanUp(ex: Synthesized): Promise<void> {
  const apiServices = ex.objects.filter((o) => o.kind === 'APIService').map((o) => o.metadata.name);
  if (apiServices.length) kubectlResult(['delete', 'apiservice', ...apiServices, '--ignore-not-found']);
  kubectlResult(['delete', '-f', ex.dist, '--ignore-not-found', '--wait=false']);
  await waitForDeleted(ex.dist);
}
