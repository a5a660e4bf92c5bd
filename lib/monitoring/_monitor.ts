import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { checkDnsLabel, checkDuration, humanDuration, propError, PropChecks } from '../kit/checks';
import { isLabelValue } from '../kit/labels';
import { MONITOR_INTERVAL_SECONDS } from '../model/intervals';

/** The label kube-prometheus-stack's Prometheus selects monitors by (its release name). */
export const RELEASE_LABEL = 'release';
export const DEFAULT_RELEASE = 'kube-prometheus-stack';
/** kube-prometheus-stack's default scrape interval (`prometheus.prometheusSpec.scrapeInterval` unset: 30 s). */
export const DEFAULT_MONITOR_INTERVAL = Duration.seconds(MONITOR_INTERVAL_SECONDS);

export function checkRelease(scope: IConstruct, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || !isLabelValue(value)) {
    throw propError(
      scope,
      'release',
      value,
      'the kube-prometheus-stack Helm release name (a label value), e.g. "kube-prometheus-stack"',
    );
  }
  return value;
}

export function checkInterval(scope: IConstruct, value: Duration): string {
  return humanDuration(checkDuration(scope, 'interval', value, Duration.seconds(1), Duration.minutes(10)));
}

export function checkNamespaces(scope: IConstruct, value: string[]): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw propError(scope, 'namespaces', value, 'at least one namespace');
  const c = new PropChecks();
  value.forEach((n, i) => c.check(() => checkDnsLabel(scope, `namespaces[${i}]`, n)));
  c.throwIfAny();
  return value;
}
