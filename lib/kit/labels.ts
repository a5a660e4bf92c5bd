/** The `app.kubernetes.io/*` labels every object of this library carries. */
export interface AppLabels {
  /** `app.kubernetes.io/name`: what runs (interlok, prometheus, ...). */
  readonly name: string;
  /** `app.kubernetes.io/instance`: which installation of it. */
  readonly instance: string;
  /** `app.kubernetes.io/component`: its role in the scaling chain. */
  readonly component: string;
  /**
   * `app.kubernetes.io/version`: kept off selectors, which are immutable.
   * @default - no version label
   */
  readonly version?: string;
}

export const PART_OF = 'interlok-scaling';
/** `app.kubernetes.io/managed-by` of every object: the tool that applies them (0.1.x wrote `cdk8s`). */
export const MANAGED_BY = 'cdk8s-interlok-scaling';
/** 0.1.x's `app.kubernetes.io/managed-by`, which `preflight` accepts beside `part-of: interlok-scaling` as ours. */
export const MANAGED_BY_0_1 = 'cdk8s';
/**
 * The label that marks which stack (InterlokAutoscalingChart) wrote an object: its chart id. Two stacks of ours
 * that would write one name are told apart by it.
 */
export const STACK_LABEL = 'cdk8s-interlok-scaling/stack';

/** The stack mark of a chart id: the id as a label value (other characters become `-`, at most 63). */
export function stackMark(chartId: string): string {
  const value = chartId
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return value || 'stack';
}

/** Labels for object metadata and pod templates. */
export function recommendedLabels(labels: AppLabels): Record<string, string> {
  return {
    ...selectorLabels(labels),
    'app.kubernetes.io/component': labels.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    ...(labels.version ? { 'app.kubernetes.io/version': labels.version } : {}),
  };
}

/** The subset used in selectors: stable for the life of a Deployment (apps/v1 selectors cannot change). */
export function selectorLabels(labels: AppLabels): Record<string, string> {
  return {
    'app.kubernetes.io/name': labels.name,
    'app.kubernetes.io/instance': labels.instance,
  };
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Whether Kubernetes accepts this as a label value (at most 63 characters). */
export function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

/** The tag of an image reference, if it has one. */
export function imageTag(image: string): string | undefined {
  const digest = image.indexOf('@');
  const ref = digest >= 0 ? image.slice(0, digest) : image;
  const colon = ref.indexOf(':', ref.lastIndexOf('/') + 1);
  return colon >= 0 ? ref.slice(colon + 1) : undefined;
}

/**
 * The tag for the version label: undefined for `latest`, no tag, or a tag that is no valid label value (tags may
 * be 128 characters long and start with `_`; label values may not).
 */
export function imageVersion(image: string): string | undefined {
  const tag = imageTag(image);
  return tag && tag !== 'latest' && isLabelValue(tag) ? tag : undefined;
}
