// `kubectl apply -f dist/` as the README says, on a real API server (RBAC and admission on): both apply modes, in
// both orders, are idempotent, and the README's teardown leaves nothing behind.
import { join } from 'path';
import {
  appliedState,
  applyLines,
  fingerprints,
  getJson,
  KUBECTL_RESENDS,
  replicaSets,
  kubectl,
  kubectlResult,
  readmeTeardown,
  requireCluster,
  resetCluster,
} from './harness';

const dist = join(__dirname, '..', '..', 'dist');
const file = join(dist, 'interlok-autoscaling.k8s.yaml');

/**
 * Every object dist/ writes, as applied and with kubectl's entries of its managedFields: a no-op apply changes
 * neither (resourceVersions are no measure: controllers write the status of PDBs, Deployments...).
 */
const versions = () => appliedState(file);

beforeAll(() => {
  requireCluster();
});
beforeEach(async () => {
  await resetCluster();
});

test('client-side apply, then again: every object unchanged, kubectl diff empty; a server-side apply over it meets no conflict and changes nothing', async () => {
  const first = kubectl(['apply', '-f', dist]);
  expect(applyLines(first).every((l) => / created$/.test(l))).toBe(true);
  const before = versions();
  const again = applyLines(kubectl(['apply', '-f', dist]));
  expect(again.filter((l) => !/ unchanged$/.test(l) && !KUBECTL_RESENDS.test(l))).toEqual([]);
  expect(again).toHaveLength(Object.keys(before).length);
  const diff = kubectlResult(['diff', '-f', dist]);
  expect({ status: diff.status, out: diff.stdout }).toEqual({ status: 0, out: '' });
  // kubectl's own field manager for --server-side is kubectl; over a client-side apply it takes the fields over
  const written = fingerprints(file);
  const rollouts = replicaSets();
  const ssa = kubectlResult(['apply', '--server-side', '-f', dist]);
  expect(ssa.stderr).not.toMatch(/conflict/i);
  expect(ssa.status).toBe(0);
  // kubectl moves the fields' ownership from its client-side manager to its server-side one (new resourceVersions);
  // nothing else changes
  expect(fingerprints(file)).toEqual(written);
  expect(replicaSets()).toEqual(rollouts);
  const ssaDiff = kubectlResult(['diff', '--server-side', '-f', dist]);
  expect({ status: ssaDiff.status, out: ssaDiff.stdout }).toEqual({ status: 0, out: '' });
  await readmeTeardown();
});

test('server-side apply first, then again unchanged; client-side over it adds only its last-applied annotation, then is unchanged', async () => {
  kubectl(['apply', '--server-side', '-f', dist]);
  const before = versions();
  kubectl(['apply', '--server-side', '-f', dist]);
  expect(versions()).toEqual(before);
  expect(kubectlResult(['diff', '--server-side', '-f', dist]).stdout).toBe('');
  // a client-side apply records kubectl.kubernetes.io/last-applied-configuration on each object the first time
  // (that is the one field kubectl re-sends); nothing else changes, and from then on it is unchanged
  const written = fingerprints(file);
  const rollouts = replicaSets();
  const csa = applyLines(kubectl(['apply', '-f', dist]));
  expect(fingerprints(file)).toEqual(written);
  expect(replicaSets()).toEqual(rollouts);
  expect(csa.every((l) => / (configured|unchanged)$/.test(l))).toBe(true);
  const annotated = versions();
  for (const o of getJson(['get', '-f', file]).items) {
    expect(o.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeDefined();
  }
  expect(
    applyLines(kubectl(['apply', '-f', dist])).filter((l) => !/ unchanged$/.test(l) && !KUBECTL_RESENDS.test(l)),
  ).toEqual([]);
  expect(versions()).toEqual(annotated);
  expect(kubectlResult(['diff', '-f', dist]).stdout).toBe('');
  await readmeTeardown();
});
