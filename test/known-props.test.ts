import { knownProps } from '../lib/_props';
import { editDistance, suggest } from '../lib/core/suggest';

// Each Props interface's keys are declared once in lib/_props.ts, in a table typed by the interface itself
// (`own<T, Inherited>({ key: 1, ... })`): a missing or extra key is a compile error, so nothing here compares them.

describe('declared prop keys', () => {
  test("inherited keys are included once: an HPA takes its own keys and AutoscalerOptions'", () => {
    expect(knownProps('MessageMetricsHpaProps')).toEqual([
      'averageValue',
      'maxReplicas',
      'metric',
      'metricName',
      'minReplicas',
      'name',
      'rule',
      'scaleDown',
      'scaleUp',
      'target',
    ]);
    expect(knownProps('KedaScaledObjectProps').filter((k) => k === 'serverAddress')).toEqual(['serverAddress']);
    expect(knownProps('InterlokAutoscalingChartProps')).toEqual(
      expect.arrayContaining(['namespace', 'labels', 'disableResourceNameHashes', 'interlok']),
    );
  });

  test('suggestions: distance at most 2, transpositions count 1, aliases first', () => {
    expect(editDistance('namespce', 'namespace')).toBe(1);
    expect(editDistance('maxRpelicas', 'maxReplicas')).toBe(1);
    expect(suggest('maxReplica', knownProps('AutoscalerOptions'))).toBe('maxReplicas');
    expect(suggest('zzz', knownProps('AutoscalerOptions'))).toBeUndefined();
    expect(suggest('targetAverageValue', [], { targetAverageValue: 'averageValue' })).toBe('averageValue');
  });
});
