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
export const MANAGED_BY = 'cdk8s';

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
