import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { homedir, tmpdir } from 'os';
import { join } from 'path';
import { Chart } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { synthAtomically } from '../lib';
import { demoChart } from './helpers';

function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf-8')]),
  );
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
    expect(() =>
      synthAtomically(outdir, (app) => {
        demoChart(app, 'interlok-autoscaling', { autoscaler: { minReplicas: 3, maxReplicas: 2 } });
      }),
    ).toThrow(/minReplicas/);
    expect(snapshotDir(outdir)).toEqual(before);
    expect(readdirSync(work)).toEqual(['dist']);
  });

  test('a failing validation at synth time leaves it as it was too', () => {
    const before = snapshotDir(outdir);
    expect(() =>
      synthAtomically(outdir, (app) => {
        const chart = demoChart(app, 'interlok-autoscaling', { rule: { metricName: 'Other' } });
        chart.node.addValidation({ validate: () => ['forced'] });
      }),
    ).toThrow(/Validation failed/);
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
    synthAtomically(fresh, (app) => demoChart(app, 'interlok-autoscaling'));
    expect(readdirSync(fresh)).toEqual(['interlok-autoscaling.k8s.yaml']);
  });

  describe('refuses an outdir it would destroy, and touches nothing', () => {
    const build = (app: any) => demoChart(app, 'interlok-autoscaling');
    let cwd: string;
    beforeEach(() => {
      cwd = process.cwd();
      mkdirSync(join(work, 'project', 'src'), { recursive: true });
      writeFileSync(join(work, 'project', 'package.json'), '{}');
      writeFileSync(join(work, 'project', 'src', 'main.ts'), 'x');
      process.chdir(join(work, 'project'));
    });
    afterEach(() => process.chdir(cwd));

    const snapshotTree = () => readdirSync(work, { recursive: true }).map(String).sort();
    test.each([
      [
        'the current directory',
        '.',
        'a directory for the manifests only, not the current directory or one of its parents',
      ],
      ['an empty outdir', '', 'a directory for the manifests only (such as "dist"), not empty'],
      [
        'a parent of the current directory',
        '..',
        'a directory for the manifests only, not the current directory or one of its parents',
      ],
      ['the filesystem root', '/', 'a directory for the manifests only, not the filesystem root'],
      [
        'the home directory',
        homedir(),
        'a directory for the manifests only, not the home directory or one of its parents',
      ],
      [
        'a directory with a package.json',
        'src/..',
        'a directory for the manifests only, not the current directory or one of its parents',
      ],
    ])('%s', (_name, dir, expected) => {
      const before = snapshotTree();
      expect(() => synthAtomically(dir, build)).toThrow(
        `[synthAtomically] outdir: got ${JSON.stringify(dir)}, expected ${expected}; nothing was touched`,
      );
      expect(snapshotTree()).toEqual(before);
    });

    test('a directory holding anything but manifests', () => {
      writeFileSync(join(outdir, 'package.json'), '{}');
      const before = snapshotTree();
      expect(() => synthAtomically(outdir, build)).toThrow(
        `[synthAtomically] outdir: got ${JSON.stringify(outdir)}, expected a directory holding synthesized manifests only (*.yaml), but it holds "package.json"; nothing was touched`,
      );
      expect(snapshotTree()).toEqual(before);
      mkdirSync(join(work, 'project', 'out', 'sub'), { recursive: true });
      writeFileSync(join(work, 'project', 'out', 'sub', 'index.ts'), 'x');
      expect(() => synthAtomically('out', build)).toThrow('but it holds "sub/index.ts"');
      expect(readFileSync(join(work, 'project', 'out', 'sub', 'index.ts'), 'utf-8')).toBe('x');
    });

    test('a file in place of the directory', () => {
      expect(() => synthAtomically('package.json', build)).toThrow('not a file or link');
      expect(readFileSync(join(work, 'project', 'package.json'), 'utf-8')).toBe('{}');
    });

    test('a directory of manifests (with subdirectories) is still replaced', () => {
      mkdirSync(join(outdir, 'extras'));
      writeFileSync(join(outdir, 'extras', 'load-job.k8s.yaml'), 'kind: Job\n');
      synthAtomically(outdir, build);
      expect(readdirSync(outdir)).toEqual(['interlok-autoscaling.k8s.yaml']);
    });
  });
});
