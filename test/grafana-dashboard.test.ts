/**
 * The Grafana dashboard ConfigMap: the sidecar's label, valid dashboard JSON, PromQL that parses, one switch to leave
 * it out.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { NetworkPeer } from '../lib';
import { stringify } from 'yaml';
import { distObjects, findObject } from './chain/harness';
import { which } from './tools';
import { DemoChartProps, demoChart } from './helpers';

const cm = findObject(distObjects(), 'ConfigMap', 'interlok-scaling-dashboard');

test('dist/ has the dashboard ConfigMap in our namespace, labelled for the Grafana sidecar', () => {
  expect(cm.metadata.namespace).toBe('interlok-scaling');
  expect(cm.metadata.labels.grafana_dashboard).toBe('1');
  expect(Object.keys(cm.data)).toEqual(['interlok-scaling.json']);
});

test('valid dashboard JSON: classic model, a Prometheus datasource variable, panels with targets', () => {
  const d = JSON.parse(cm.data['interlok-scaling.json']);
  expect(d).toMatchObject({
    title: 'Interlok scaling: default/interlok',
    schemaVersion: 39,
    editable: true,
    refresh: '10s',
  });
  expect(d.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
  expect(d.templating.list).toEqual([
    expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
  ]);
  const ids = d.panels.map((p: any) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of d.panels) {
    expect(p).toMatchObject({ type: 'timeseries', datasource: { type: 'prometheus', uid: '${datasource}' } });
    expect(p.gridPos).toEqual({
      x: expect.any(Number),
      y: expect.any(Number),
      w: expect.any(Number),
      h: expect.any(Number),
    });
    expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    for (const t of p.targets)
      expect(t).toMatchObject({ refId: expect.stringMatching(/^[A-Z]$/), expr: expect.any(String) });
  }
  // dist/'s Prometheus scrapes only the pushgateway: no kube-state-metrics series, so no panel or line of them
  expect(d.panels.map((p: any) => p.title)).toEqual(['MessageMetrics per pod', 'MessageMetrics in total']);
  const exprs = d.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
  expect(exprs).toContain('vector(100)');
  expect(exprs.join('\n')).not.toContain('kube_');
  expect(JSON.stringify(d).length).toBeLessThan(1024 * 1024);
  expect(d.panels[0].targets[0].legendFormat).toBe('{{k8s_pod_name}}');
  // no "{{" in the ConfigMap: the Helm chart of the stack must not read Grafana's legend as a template action
  expect(cm.data['interlok-scaling.json']).not.toContain('{{');
});

/** The dashboard of a chart with these props. */
const dashboardOf = (props: DemoChartProps) =>
  JSON.parse(
    Object.values(
      Testing.synth(demoChart(Testing.app(), 'x', props)).find((o) => o.metadata?.labels?.grafana_dashboard)!.data,
    )[0] as string,
  );

test("the kube-state-metrics panel and line only where the Prometheus read has kube-state-metrics (kube-prometheus-stack's, an existing one)", () => {
  const ksm =
    'kube_horizontalpodautoscaler_status_desired_replicas{namespace="default",horizontalpodautoscaler="interlok-autoscaler"}';
  for (const props of [
    { monitoring: { kubePrometheusStack: {} } },
    {
      monitoring: {
        prometheus: false,
        existingPrometheusUrl: 'http://prometheus.obs.svc:9090/',
        allowScrapeFrom: [NetworkPeer.pods('obs', { app: 'prometheus' })],
      },
    },
  ]) {
    const d = dashboardOf(props);
    expect(d.panels.map((p: any) => p.title)).toEqual([
      'MessageMetrics per pod',
      'MessageMetrics in total',
      'Replicas (kube-state-metrics)',
    ]);
    expect(d.panels[1].targets.map((t: any) => t.legendFormat)).toEqual([
      'total (External metric interlok_messagemetrics)',
      'target × current replicas',
    ]);
    expect(d.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr))).toContain(`max(${ksm})`);
  }
  expect(dashboardOf({}).panels[1].targets.map((t: any) => t.legendFormat)).toEqual([
    'total (External metric interlok_messagemetrics)',
  ]);
});

test('every panel query parses (promtool)', () => {
  const d = dashboardOf({ monitoring: { kubePrometheusStack: {} } });
  const exprs: string[] = d.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  try {
    const file = join(dir, 'rules.yml');
    writeFileSync(
      file,
      stringify({ groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `panel_${i}`, expr })) }] }),
    );
    expect(execFileSync(which('promtool'), ['check', 'rules', file]).toString()).toContain(
      `SUCCESS: ${exprs.length} rules found`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dashboard: false leaves it out', () => {
  const objects = Testing.synth(demoChart(Testing.app(), 'x', { dashboard: false }));
  expect(objects.some((o) => o.metadata?.labels?.grafana_dashboard)).toBe(false);
  expect(
    Testing.synth(demoChart(Testing.app(), 'y')).filter((o) => o.metadata?.labels?.grafana_dashboard),
  ).toHaveLength(1);
});
