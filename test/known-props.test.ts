import { readFileSync } from 'fs';
import { join } from 'path';
import { declaredProps, knownProps } from '../lib/_props';
import { editDistance, suggest } from '../lib/core/suggest';

// Every exported interface whose name ends in Props or Options (and the nested blocks users write) has its keys
// declared once in lib/_props.ts; here they are compared with the API report, so the two cannot drift.
const report = readFileSync(join(__dirname, '..', 'api', 'cdk8s-interlok-scaling.api.md'), 'utf-8').replace(/\r\n/g, '\n');
const interfaces = new Map<string, { keys: string[]; extends: string[] }>();
for (const m of report.matchAll(/export interface (\w+)(?: extends ([\w, ]+))? \{\n(.*?)\n\}/gs)) {
  interfaces.set(m[1], {
    keys: [...m[3].matchAll(/^ {4}(?:readonly )?(\w+)\??:/gm)].map((k) => k[1]).sort(),
    extends: m[2] ? m[2].split(',').map((e) => e.trim()) : [],
  });
}
const NESTED = ['ScalingRules', 'KedaFallback', 'ScrapedPods', 'InterlokConfigFiles', 'ScrapeSourceOptions'];

describe('declared prop keys', () => {
  const declared = declaredProps();

  test('every exported Props/Options interface has a declared key list', () => {
    const expected = [...interfaces.keys()].filter((n) => /(Props|Options)$/.test(n) || NESTED.includes(n)).sort();
    expect(Object.keys(declared).filter((n) => n !== 'ChartProps').sort()).toEqual(expected);
  });

  test.each(Object.keys(declared).filter((n) => n !== 'ChartProps'))('%s equals its interface in the API report', (name) => {
    const api = interfaces.get(name)!;
    expect([...declared[name].keys].sort()).toEqual(api.keys);
    expect([...declared[name].extends].sort()).toEqual([...api.extends].sort());
  });

  test('ChartProps equals cdk8s\'s', () => {
    const dts = readFileSync(require.resolve('cdk8s/lib/chart.d.ts'), 'utf-8');
    const body = /export interface ChartProps \{(.*?)\n\}/s.exec(dts)![1];
    expect(knownProps('ChartProps')).toEqual([...body.matchAll(/readonly (\w+)\??:/g)].map((m) => m[1]).sort());
  });

  test('suggestions: distance at most 2, transpositions count 1, aliases first', () => {
    expect(editDistance('namespce', 'namespace')).toBe(1);
    expect(editDistance('maxRpelicas', 'maxReplicas')).toBe(1);
    expect(suggest('maxReplica', knownProps('AutoscalerOptions'))).toBe('maxReplicas');
    expect(suggest('zzz', knownProps('AutoscalerOptions'))).toBeUndefined();
    expect(suggest('targetAverageValue', [], { targetAverageValue: 'averageValue' })).toBe('averageValue');
  });
});
