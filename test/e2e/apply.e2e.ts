// `kubectl apply -f dist/` as the README says, on a real API server (RBAC and admission on): both apply modes, in
// both orders, are idempotent, and the README's teardown leaves nothing behind.
import { join } from 'path';
import { getJson, kubectl, kubectlResult, requireCluster, waitFor } from './harness';

const dist = join(__dirname, '..', '..', 'dist');
const file = join(dist, 'interlok-autoscaling.k8s.yaml');

/** Every object dist/ writes, by kind/namespace/name, with its resourceVersion now. */
function versions(): Record<string, string> {
  const list = getJson(['get', '-f', file]);
  const items: any[] = list.kind === 'List' ? list.items : [list];
  return Object.fromEntries(items.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o.metadata.resourceVersion]));
}

function applyLines(out: string): string[] {
  return out.trim().split('\n').filter(Boolean);
}

async function teardown(): Promise<void> {
  // the README's teardown, command for command
  kubectl(['delete', 'apiservice', 'v1beta1.custom.metrics.k8s.io', 'v1beta1.external.metrics.k8s.io']);
  kubectl(['delete', '-f', 'dist/'].map((a) => (a === 'dist/' ? dist : a)));
  await waitFor('namespace monitoring to be gone (not Terminating)', () =>
    (kubectlResult(['get', 'namespace', 'monitoring']).status !== 0 ? true : undefined), 120_000);
  const left = kubectlResult(['get', '-f', file, '--ignore-not-found', '-o', 'name']);
  expect(left.stdout.trim()).toBe('');
  const terminating = getJson(['get', 'namespaces']).items.filter((n: any) => n.status.phase !== 'Active').map((n: any) => n.metadata.name);
  expect(terminating).toEqual([]);
}

beforeAll(() => { requireCluster(); });

test('client-side apply, then again: every object unchanged, kubectl diff empty; a server-side apply over it meets no conflict and changes nothing', async () => {
  const first = kubectl(['apply', '-f', dist]);
  expect(applyLines(first).every((l) => / created$/.test(l))).toBe(true);
  const before = versions();
  const again = applyLines(kubectl(['apply', '-f', dist]));
  expect(again.filter((l) => !/ unchanged$/.test(l))).toEqual([]);
  expect(again).toHaveLength(Object.keys(before).length);
  const diff = kubectlResult(['diff', '-f', dist]);
  expect({ status: diff.status, out: diff.stdout }).toEqual({ status: 0, out: '' });
  // kubectl's own field manager for --server-side is kubectl; over a client-side apply it takes the fields over
  const ssa = kubectlResult(['apply', '--server-side', '-f', dist]);
  expect(ssa.stderr).not.toMatch(/conflict/i);
  expect(ssa.status).toBe(0);
  expect(versions()).toEqual(before);
  const ssaDiff = kubectlResult(['diff', '--server-side', '-f', dist]);
  expect({ status: ssaDiff.status, out: ssaDiff.stdout }).toEqual({ status: 0, out: '' });
  await teardown();
});

test('server-side apply first, then again unchanged; client-side over it adds only its last-applied annotation, then is unchanged', async () => {
  kubectl(['apply', '--server-side', '-f', dist]);
  const before = versions();
  kubectl(['apply', '--server-side', '-f', dist]);
  expect(versions()).toEqual(before);
  expect(kubectlResult(['diff', '--server-side', '-f', dist]).stdout).toBe('');
  // a client-side apply records kubectl.kubernetes.io/last-applied-configuration on each object the first time
  // (that is the one field kubectl re-sends); nothing else changes, and from then on it is unchanged
  const csa = applyLines(kubectl(['apply', '-f', dist]));
  expect(csa.every((l) => / (configured|unchanged)$/.test(l))).toBe(true);
  const annotated = versions();
  for (const o of getJson(['get', '-f', file]).items) {
    expect(o.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeDefined();
  }
  expect(applyLines(kubectl(['apply', '-f', dist])).filter((l) => !/ unchanged$/.test(l))).toEqual([]);
  expect(versions()).toEqual(annotated);
  expect(kubectlResult(['diff', '-f', dist]).stdout).toBe('');
  await teardown();
});
