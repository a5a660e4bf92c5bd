import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { buildHelmChart, CHART_NAME } from '../scripts/helm-chart';
import { distObjects } from './chain/harness';
import { helmBinary } from './tools';

describe('Helm chart (cdk8s synth --format helm) on a real helm 3', () => {
  let dir: string;
  let chart: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'helm-'));
    chart = buildHelmChart(join(dir, CHART_NAME));
  }, 60000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('Chart.yaml is named after the stack', () => {
    expect(parse(readFileSync(join(chart, 'Chart.yaml'), 'utf-8'))).toMatchObject({
      apiVersion: 'v2',
      name: CHART_NAME,
      type: 'application',
      version: require('../package.json').version,
    });
  });

  test('helm lint --strict passes', () => {
    const out = execFileSync(helmBinary(), ['lint', '--strict', chart]).toString();
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  test('helm template renders dist/ object for object, in the same order', () => {
    const rendered = parseAllDocuments(execFileSync(helmBinary(), ['template', 'release', chart]).toString())
      .map((d) => d.toJSON())
      .filter((o) => o !== null);
    expect(rendered).toEqual(distObjects());
  });
});
