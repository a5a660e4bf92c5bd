// The forms the API server stores quantities and downward-API refs in: a manifest in another form makes
// `kubectl apply` report a change on every run and a server-side apply over a client-side one conflict
// (test/e2e/apply.e2e.ts shows it on a real API server).
import { Size } from 'cdk8s';
import { canonicalCpu, mebibytes, podField } from '../lib/kit/pod';

test('sizes: whole GiB and TiB in the larger unit, anything else in MiB', () => {
  expect([16, 1024, 1536, 2048, 1024 * 1024, 3 * 1024 * 1024].map((n) => mebibytes(Size.mebibytes(n)))).toEqual([
    '16Mi',
    '1Gi',
    '1536Mi',
    '2Gi',
    '1Ti',
    '3Ti',
  ]);
  expect(mebibytes(Size.gibibytes(1))).toBe('1Gi');
});

test('CPU: whole cores without a suffix, the rest in millicores', () => {
  expect(['1000m', '500m', '0.5', '2', '1.5', '250m', '2000m'].map(canonicalCpu)).toEqual([
    '1',
    '500m',
    '500m',
    '2',
    '1500m',
    '250m',
    '2',
  ]);
});

test('downward-API refs name the API version the server would default', () => {
  expect(podField('metadata.name')).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
});
