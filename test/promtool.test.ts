import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { AdapterRuleConfig, renderExternalMetricsQuery, renderMetricsQuery } from '../lib';
import { distObjects, findObject } from './chain/harness';
import { which } from './tools';

const objects = distObjects();
const adapterConfig = parse(findObject(objects, 'ConfigMap', 'interlok-scaling-adapter').data['config.yaml']);
const rule: AdapterRuleConfig = adapterConfig.rules[0];
const externalRule: AdapterRuleConfig = adapterConfig.externalRules[0];

describe('promtool', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const promtool = (...args: string[]) => execFileSync(which('promtool'), args, { stdio: 'pipe' }).toString();

  test('check config passes on the synthesized Prometheus config', () => {
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, findObject(objects, 'ConfigMap', 'interlok-scaling-prometheus').data['prometheus.yml']);
    expect(promtool('check', 'config', file)).toContain('SUCCESS');
  });

  test('every PromQL the library emits parses: seriesQuery and metricsQuery for one and several pods, with a selector; the External rule', () => {
    const queries = [
      externalRule.seriesQuery,
      renderExternalMetricsQuery(externalRule, 'pushgateway_build_info', {
        namespace: 'default',
        metricSelector: { deployment: 'interlok' },
      }),
      rule.seriesQuery,
      renderMetricsQuery(rule, 'MessageMetrics', { namespace: 'default', pods: ['interlok-1'] }),
      renderMetricsQuery(rule, 'MessageMetrics', {
        namespace: 'default',
        pods: ['interlok-1', 'interlok-2', 'interlok-3'],
      }),
      renderMetricsQuery(rule, 'MessageMetrics', {
        namespace: 'default',
        pods: ['interlok-1'],
        metricSelector: { queue: 'a' },
      }),
    ];
    const file = join(dir, 'rules.yml');
    writeFileSync(
      file,
      stringify({ groups: [{ name: 'emitted', rules: queries.map((expr, i) => ({ record: `emitted_${i}`, expr })) }] }),
    );
    expect(promtool('check', 'rules', file)).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  test('promtool does reject broken PromQL (the check is real)', () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      stringify({ groups: [{ name: 'bad', rules: [{ record: 'x', expr: 'max by (k8s_pod_name (MessageMetrics' }] }] }),
    );
    expect(() => promtool('check', 'rules', file)).toThrow();
  });
});
