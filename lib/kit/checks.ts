import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { humanMillis } from '../core/duration';
import { describe as describeValue, ValidationError } from '../core/errors';
import { DNS_1035_LABEL, DNS_LABEL, DNS_SUBDOMAIN, HOST, IMAGE_REF, LABEL_NAME, METRIC_NAME } from '../core/k8s-names';
import { maxHeapOptionMi, QUANTITY } from '../core/quantity';
import { suggest } from '../core/suggest';
import { DEFAULT_NAMES } from './monitoring-names';

export { maxHeapOptionMi };

/**
 * Errors for a single bad prop name the construct path, the prop, the value given and what was expected,
 * so the user knows exactly which line of their app to change.
 */
export function propError(scope: IConstruct, prop: string, value: unknown, expected: string): ValidationError {
  return new ValidationError(scope.node.path, prop, describe(value), expected);
}

/**
 * The errors of one construct call, collected so that they are reported together, one `[path] prop: got X,
 * expected Y` line each (aws-cdk's validateAllProps): a user fixes a call in one round, not one prop per run.
 * `check` runs one check and returns its value, or undefined when it failed; a check that needs an earlier value
 * runs only when that value is valid (not undefined), so one bad prop is reported once, not again through every
 * check that reads it. Anything else than a ValidationError is thrown as it is.
 */
export class PropChecks {
  private readonly errors: ValidationError[] = [];

  /** Runs a check: its value, or undefined when it failed (its errors are kept). */
  public check<T>(check: () => T): T | undefined {
    try {
      return check();
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      this.errors.push(...e.errors);
      return undefined;
    }
  }

  /** Whether every check so far passed. */
  public get ok(): boolean {
    return this.errors.length === 0;
  }

  /** Throws the errors collected so far, in the order the checks ran (one keeps its one-line message). */
  public throwIfAny(): void {
    if (this.errors.length > 0) throw ValidationError.all(this.errors);
  }

  /** Throws the errors collected so far: where nothing more can be checked. */
  public fail(): never {
    this.throwIfAny();
    throw new Error('internal: PropChecks.fail() with no error');
  }
}

/** cdk8s and cdk8s-plus values as messages write them: `30s`, `512 MiB`, `"500m"`. */
function describeCdk8s(value: unknown): string | undefined {
  if (value instanceof Duration) return humanDuration(value);
  if (value instanceof Size) {
    const mib = value.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    return Number.isInteger(mib) ? `${mib} MiB` : `${value.toKibibytes({ rounding: SizeRoundingBehavior.NONE })} KiB`;
  }
  if (value instanceof kplus.Cpu) return JSON.stringify(value.amount);
  return undefined;
}

export function describe(value: unknown): string {
  return describeValue(value, describeCdk8s);
}

/** `1500ms`, `30s`, `10m`, `2h`, `1d`: the largest unit that is exact, as Prometheus writes durations. */
export function humanDuration(d: Duration): string {
  return humanMillis(d.toMilliseconds());
}

export function checkDnsLabel(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    throw propError(
      scope,
      prop,
      value,
      'a DNS-1123 label (at most 63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit)',
    );
  }
  return value;
}

/** Service names are DNS-1035 labels: they must start with a letter. */
export function checkServiceName(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_1035_LABEL.test(value)) {
    throw propError(
      scope,
      prop,
      value,
      'a DNS-1035 label, as it names a Service (at most 63 characters of a-z, 0-9 and "-", starting with a letter and ending with a letter or digit)',
    );
  }
  return value;
}

export function checkDnsSubdomain(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw propError(
      scope,
      prop,
      value,
      'a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, "-" and ".", each part starting and ending with a letter or digit)',
    );
  }
  return value;
}

export function checkMetricName(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || !METRIC_NAME.test(value)) {
    throw propError(scope, prop, value, 'a Prometheus metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*');
  }
  return value;
}

export function checkLabelName(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || !LABEL_NAME.test(value) || value.startsWith('__')) {
    throw propError(
      scope,
      prop,
      value,
      'a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]* not starting with "__"',
    );
  }
  return value;
}

export function checkInteger(scope: IConstruct, prop: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw propError(scope, prop, value, `a whole number from ${min} to ${max}`);
  }
  return value;
}

export function checkPort(scope: IConstruct, prop: string, value: number): number {
  return checkInteger(scope, prop, value, 1, 65535);
}

/** Whole seconds within [min, max]; Kubernetes and Prometheus fields here take seconds. */
export function checkDuration(
  scope: IConstruct,
  prop: string,
  value: Duration,
  min: Duration,
  max: Duration,
): Duration {
  if (!(value instanceof Duration)) {
    throw propError(scope, prop, value, 'a cdk8s Duration');
  }
  const ms = value.toMilliseconds();
  if (!Number.isFinite(ms) || ms % 1000 !== 0 || ms < min.toMilliseconds() || ms > max.toMilliseconds()) {
    throw propError(scope, prop, value, `whole seconds from ${humanDuration(min)} to ${humanDuration(max)}`);
  }
  return value;
}

export function checkHostPort(scope: IConstruct, prop: string, value: string): string {
  const m = typeof value === 'string' ? /^([^:/\s]+):([0-9]{1,5})$/.exec(value) : null;
  if (!m || !HOST.test(m[1]) || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw propError(
      scope,
      prop,
      value,
      `host:port with no scheme or path (for example "${DEFAULT_NAMES.pushgateway}.${DEFAULT_NAMES.namespace}.svc:9091")`,
    );
  }
  return value;
}

export function checkImage(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 512 || !IMAGE_REF.test(value)) {
    throw propError(
      scope,
      prop,
      value,
      'an image reference such as "registry/repository:tag" or "repository@sha256:<64 hex digits>"',
    );
  }
  return value;
}

export function checkQuantity(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || !QUANTITY.test(value)) {
    throw propError(scope, prop, value, 'a Kubernetes quantity such as "500m", "2", "512Mi" or "1Gi"');
  }
  return value;
}

export function checkUrl(scope: IConstruct, prop: string, value: string): string {
  // Not WHATWG's URL: it rejects hosts such as `xn--a` (invalid punycode), which are valid namespace names and
  // which the adapter's Go url.Parse takes.
  const m = typeof value === 'string' ? /^https?:\/\/([^/:?#\s]+)(?::(\d{1,5}))?(?:[/?#]\S*)?$/.exec(value) : null;
  const ok = m !== null && HOST.test(m[1]) && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535));
  if (!ok)
    throw propError(
      scope,
      prop,
      value,
      `an http:// or https:// URL (for example "http://${DEFAULT_NAMES.prometheus}.${DEFAULT_NAMES.namespace}.svc:80/")`,
    );
  return value;
}

/** What the JVM needs beyond its heap (metaspace, threads, Jetty) in a container's memory limit. */
const NON_HEAP_MIB = 128;

/**
 * The one check of a JVM's heap against its container's memory limit, for our Interlok and for containers that
 * `PushgatewayEnv.addTo` wires: a limit below heap + 128 MiB gets the container OOM-killed under load.
 */
export function checkHeapFitsLimit(
  scope: IConstruct,
  prop: string,
  value: unknown,
  heapMi: number,
  limitMi: number,
): void {
  if (limitMi < heapMi + NON_HEAP_MIB) {
    throw propError(
      scope,
      prop,
      value,
      `at least heap + ${NON_HEAP_MIB} MiB (${heapMi + NON_HEAP_MIB} MiB): the JVM needs memory beyond its heap (metaspace, threads, Jetty), or the container is OOM-killed`,
    );
  }
}

export function checkArray<T>(scope: IConstruct, prop: string, value: T[] | undefined, expected: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw propError(scope, prop, value, `an array of ${expected}`);
  return value;
}

/** cdk8s-plus resource value types: quantities Kubernetes accepts, and no request above its limit. */
export function checkResources(
  scope: IConstruct,
  prop: string,
  resources: kplus.ContainerResources,
): kplus.ContainerResources {
  if (resources === null || typeof resources !== 'object') {
    throw propError(
      scope,
      prop,
      resources,
      'cdk8s-plus ContainerResources ({ cpu: { request, limit }, memory: { request, limit } })',
    );
  }
  const cpu = (c: kplus.Cpu | undefined, p: string) => {
    if (c === undefined) return undefined;
    if (!(c instanceof kplus.Cpu)) throw propError(scope, p, c, 'a cdk8s-plus Cpu (Cpu.millis(500) or Cpu.units(1))');
    const amount = (c as any)?.amount;
    checkQuantity(scope, p, amount);
    const n = amount.endsWith('m') ? Number(amount.slice(0, -1)) / 1000 : Number(amount);
    if (!(n > 0)) throw propError(scope, p, amount, 'more than 0 CPU');
    return n;
  };
  const size = (s: Size | undefined, p: string) => {
    if (s === undefined) return undefined;
    const mib = s instanceof Size ? s.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) : NaN;
    if (!Number.isInteger(mib) || mib <= 0)
      throw propError(scope, p, s, 'a cdk8s Size of at least 1 MiB in whole mebibytes');
    return mib;
  };
  // every bad quantity at once; a request is compared with its limit only when both are valid
  const all = new PropChecks();
  const shaped = new Set<string>();
  for (const key of Object.keys(resources)) {
    all.check(() => {
      if (!['cpu', 'memory', 'ephemeralStorage'].includes(key)) {
        const hint = suggest(key, ['cpu', 'memory', 'ephemeralStorage']);
        throw propError(
          scope,
          `${prop}.${key}`,
          (resources as any)[key],
          `no such resource${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ' (cpu, memory or ephemeralStorage)'}`,
        );
      }
      const pair = (resources as any)[key];
      if (pair === null || typeof pair !== 'object')
        throw propError(scope, `${prop}.${key}`, pair, '{ request, limit }: an object, or leave it out');
      const unknown = Object.keys(pair).find((k) => k !== 'request' && k !== 'limit');
      if (unknown !== undefined) throw propError(scope, `${prop}.${key}.${unknown}`, pair[unknown], 'request or limit');
      shaped.add(key);
    });
  }
  const amounts = (name: string, read: (value: any, p: string) => number | undefined) => {
    if (!shaped.has(name)) return [undefined, undefined];
    const pair = (resources as any)[name];
    return [
      all.check(() => read(pair.request, `${prop}.${name}.request`)),
      all.check(() => read(pair.limit, `${prop}.${name}.limit`)),
    ];
  };
  const pairs: Array<[string, number | undefined, number | undefined]> = [
    ['cpu', ...amounts('cpu', cpu)] as [string, number | undefined, number | undefined],
    ['memory', ...amounts('memory', size)] as [string, number | undefined, number | undefined],
    ['ephemeralStorage', ...amounts('ephemeralStorage', size)] as [string, number | undefined, number | undefined],
  ];
  for (const [name, request, limit] of pairs) {
    if (request !== undefined && limit !== undefined && request > limit) {
      all.check(() => {
        throw propError(
          scope,
          `${prop}.${name}.request`,
          (resources as any)[name].request,
          `at most the limit (${describe((resources as any)[name].limit)})`,
        );
      });
    }
  }
  all.throwIfAny();
  return resources;
}
