// type only: the model must load without cdk8s (its Durations are recognised by shape, core/duration.ts)
import type { Duration } from 'cdk8s';
import { checkDurationInput, checkInput, inputError } from './_input';
import { HPA_SYNC_SECONDS, INTERLOK_PUSH_SECONDS } from './intervals';

export interface ReactionTimeInputs {
  /** How often Prometheus scrapes the pushgateway. */
  readonly scrapeInterval: Duration;
  /** After how long without a push a pod reads 0; undefined when its last value counts for ever (the guide). */
  readonly staleAfter?: Duration;
  readonly scaleUpStabilization: Duration;
  readonly scaleDownStabilization: Duration;
  /**
   * @default 10 s (INTERLOK_PUSH_SECONDS)
   */
  readonly pushInterval?: Duration;
  /**
   * @default 15 s (HPA_SYNC_SECONDS)
   */
  readonly hpaSyncPeriod?: Duration;
  /**
   * Whether the HPA reads the External total (which is 0 when no pod has a series) or the Pods average (which
   * then gives the HPA no metric at all).
   * @default 'External'
   */
  readonly metricType?: 'External' | 'Pods';
}

/** Worst cases in seconds; undefined means never. */
export interface ReactionTimes {
  /** Load step → the HPA decides to scale up: next push + next scrape + next HPA sync + up-stabilization. */
  readonly scaleUp: number;
  /**
   * Load stops → the HPA's recommendation drops: a last push up to one push interval later + stale window + next sync.
   */
  readonly scaleDownRecommendation?: number;
  /** Load stops → replicas go down: the recommendation must stay low for the down-stabilization window. */
  readonly scaleDown?: number;
  /**
   * No pod of the Deployment has a series while idle (a rollout while idle, or a pushgateway replaced while idle)
   * → replicas go down to minReplicas: the next scrape drops the old series, the next sync reads 0, then the
   * down-stabilization window. Undefined (never) with a Pods metric.
   */
  readonly scaleDownWithoutSeries?: number;
}

/**
 * The adapter adds nothing here: it queries Prometheus live for every HPA request, and the stale test runs at
 * query time. Its relist interval delays only the discovery of a metric name that had no series (the first push,
 * or the first after a new pushgateway pod started empty). Interlok counts a message once its interceptor's
 * timeslice closes, which adds up to one timeslice (5 s in the guide) to every figure.
 */
export function worstCaseReactionTimes(i: ReactionTimeInputs): ReactionTimes {
  const fn = 'worstCaseReactionTimes';
  checkInput(fn, i, 'ReactionTimeInputs');
  checkDurationInput(fn, 'scrapeInterval', i.scrapeInterval);
  checkDurationInput(fn, 'staleAfter', i.staleAfter, true);
  checkDurationInput(fn, 'scaleUpStabilization', i.scaleUpStabilization);
  checkDurationInput(fn, 'scaleDownStabilization', i.scaleDownStabilization);
  checkDurationInput(fn, 'pushInterval', i.pushInterval, true);
  checkDurationInput(fn, 'hpaSyncPeriod', i.hpaSyncPeriod, true);
  if (i.metricType !== undefined && i.metricType !== 'External' && i.metricType !== 'Pods')
    throw inputError(fn, 'metricType', i.metricType, '"External" or "Pods"');
  const s = (d: Duration | undefined) => (d ? d.toSeconds() : 0);
  const push = i.pushInterval ? s(i.pushInterval) : INTERLOK_PUSH_SECONDS;
  const sync = i.hpaSyncPeriod ? s(i.hpaSyncPeriod) : HPA_SYNC_SECONDS;
  const scaleUp = push + s(i.scrapeInterval) + sync + s(i.scaleUpStabilization);
  if (i.staleAfter === undefined) return { scaleUp };
  const scaleDownRecommendation = push + s(i.staleAfter) + sync;
  const scaleDown = scaleDownRecommendation + s(i.scaleDownStabilization);
  if ((i.metricType ?? 'External') === 'Pods') return { scaleUp, scaleDownRecommendation, scaleDown };
  return {
    scaleUp,
    scaleDownRecommendation,
    scaleDown,
    scaleDownWithoutSeries: s(i.scrapeInterval) + sync + s(i.scaleDownStabilization),
  };
}
