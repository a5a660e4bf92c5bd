import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { InterlokAutoscalingChart, synthAtomically } from '../lib';

function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf-8')]));
}

describe('synthAtomically', () => {
  let work: string;
  let outdir: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'atomic-'));
    outdir = join(work, 'dist');
    mkdirSync(outdir);
    writeFileSync(join(outdir, 'old-chart.k8s.yaml'), 'kind: Old\n');
    writeFileSync(join(outdir, 'interlok-autoscaling.k8s.yaml'), 'kind: Previous\n');
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  test('a failing synth leaves the output directory exactly as it was', () => {
    const before = snapshotDir(outdir);
    expect(() => synthAtomically(outdir, (app) => {
      new InterlokAutoscalingChart(app, 'interlok-autoscaling', { autoscaler: { minReplicas: 3, maxReplicas: 2 } });
    })).toThrow(/minReplicas/);
    expect(snapshotDir(outdir)).toEqual(before);
    expect(readdirSync(work)).toEqual(['dist']);
  });

  test('a failing validation at synth time leaves it as it was too', () => {
    const before = snapshotDir(outdir);
    expect(() => synthAtomically(outdir, (app) => {
      const chart = new InterlokAutoscalingChart(app, 'interlok-autoscaling', { rule: { metricName: 'Other' } });
      chart.node.addValidation({ validate: () => ['forced'] });
    })).toThrow(/Validation failed/);
    expect(snapshotDir(outdir)).toEqual(before);
    expect(readdirSync(work)).toEqual(['dist']);
  });

  test('a successful synth replaces everything: files of earlier runs are gone', () => {
    synthAtomically(outdir, (app) => {
      const chart = new Chart(app, 'only');
      new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'x' } });
    });
    expect(readdirSync(outdir)).toEqual(['only.k8s.yaml']);
    expect(readdirSync(work)).toEqual(['dist']);
  });

  test('creates the directory when it does not exist', () => {
    const fresh = join(work, 'nested', 'out');
    synthAtomically(fresh, (app) => new InterlokAutoscalingChart(app, 'interlok-autoscaling'));
    expect(readdirSync(fresh)).toEqual(['interlok-autoscaling.k8s.yaml']);
  });
});
