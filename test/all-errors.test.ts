/** Every bad prop of one call reported together, one `[path] prop: got X, expected Y` line each. */
import { Testing } from 'cdk8s';
import { AdapterRule, InterlokAutoscalingChart, MessageMetricsHpa, ScaleTarget } from '../lib';
import { ValidationError } from '../lib/core/errors';
import { emptyChart } from './helpers';

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('nothing thrown');
}

describe('all errors of one call at once', () => {
  test("an HPA with four bad props names all four, in the order of its props, under cdk8s's heading", () => {
    const chart = emptyChart();
    const e = thrown(
      () =>
        new MessageMetricsHpa(chart, 'Hpa', {
          target: ScaleTarget.deployment('interlok', 'default'),
          rule: new AdapterRule(chart, 'Rule'),
          name: 'Bad_Name',
          averageValue: 0,
          minReplicas: 0,
          maxReplicas: 2000,
        }),
    );
    expect(e.message.split('\n')).toEqual([
      'Validation failed with the following errors:',
      '  [test/Hpa] name: got "Bad_Name", expected a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, "-" and ".", each part starting and ending with a letter or digit)',
      '  [test/Hpa] averageValue: got 0, expected a number from 0.001 to 1e12 (quantities have milli precision)',
      '  [test/Hpa] minReplicas: got 0, expected a whole number from 1 to 1000',
      '  [test/Hpa] maxReplicas: got 2000, expected a whole number from 1 to 1000',
    ]);
    expect(e.errors.map((x) => x.prop)).toEqual(['name', 'averageValue', 'minReplicas', 'maxReplicas']);
    expect(e.errors.map((x) => x.path)).toEqual(['test/Hpa', 'test/Hpa', 'test/Hpa', 'test/Hpa']);
  });

  test('one bad prop keeps the one-line format', () => {
    const chart = emptyChart();
    const e = thrown(
      () =>
        new MessageMetricsHpa(chart, 'Hpa', {
          target: ScaleTarget.deployment('interlok', 'default'),
          rule: new AdapterRule(chart, 'Rule'),
          minReplicas: 3,
          maxReplicas: 2,
        }),
    );
    expect(e.message).toBe('[test/Hpa] minReplicas: got 3, expected at most maxReplicas (2)');
    expect(e.errors).toEqual([e]);
  });

  test('every unknown key of a block, each with its did-you-mean', () => {
    const e = thrown(() => new InterlokAutoscalingChart(Testing.app(), 'x', { namespce: 'a', hpa: {} } as any));
    expect(e.message.split('\n')).toEqual([
      'Validation failed with the following errors:',
      '  [x] namespce: got "a", expected no such prop in InterlokAutoscalingChartProps (did you mean "namespace"?)',
      '  [x] hpa: got {}, expected no such prop in InterlokAutoscalingChartProps (did you mean "autoscaler"?)',
    ]);
  });
});
