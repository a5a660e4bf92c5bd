import { knownProps } from '../lib/kit/props';
import { INTERLOK_AUTOSCALING_CHART_PROPS } from '../lib/interlok-autoscaling-chart';
import { KEDA_SCALED_OBJECT_PROPS } from '../lib/keda-scaled-object';
import { AUTOSCALER_OPTIONS, MESSAGE_METRICS_HPA_PROPS } from '../lib/message-metrics-hpa';
import { editDistance, suggest } from '../lib/core/suggest';

// Each Props interface's keys are declared once next to it, in a table typed by the interface itself
// (`propsKeys<T, Inherited>(name, { key: 1, ... })`, lib/kit/props.ts): a missing or extra key is a compile error,
// so nothing here compares them.

describe('declared prop keys', () => {
  test("inherited keys are included once: an HPA takes its own keys and AutoscalerOptions'", () => {
    expect(knownProps(MESSAGE_METRICS_HPA_PROPS)).toEqual([
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
    expect(knownProps(KEDA_SCALED_OBJECT_PROPS).filter((k) => k === 'serverAddress')).toEqual(['serverAddress']);
    expect(knownProps(INTERLOK_AUTOSCALING_CHART_PROPS)).toEqual(
      expect.arrayContaining(['namespace', 'labels', 'disableResourceNameHashes', 'interlok']),
    );
  });

  test('suggestions: distance at most 2, transpositions count 1, aliases first', () => {
    expect(editDistance('namespce', 'namespace')).toBe(1);
    expect(editDistance('maxRpelicas', 'maxReplicas')).toBe(1);
    expect(suggest('maxReplica', knownProps(AUTOSCALER_OPTIONS))).toBe('maxReplicas');
    expect(suggest('zzz', knownProps(AUTOSCALER_OPTIONS))).toBeUndefined();
    expect(suggest('targetAverageValue', [], { targetAverageValue: 'averageValue' })).toBe('averageValue');
  });
});
