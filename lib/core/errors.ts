/**
 * The one error of the library: a bad prop of a construct, or a bad input of a model function, always written
 * `[path] prop: got X, expected Y` so the user knows exactly which line of their app to change. `path` is the
 * construct path, or the function's name for the model's helpers.
 */
export class ValidationError extends Error {
  /**
   * Several errors of one call, reported together: one `[path] prop: ...` line each, in the order they were found,
   * under the heading cdk8s gives the errors of its validations at synth.
   */
  public static all(errors: readonly ValidationError[]): ValidationError {
    if (errors.length === 1) return errors[0]!;
    const message = `Validation failed with the following errors:\n  ${errors.map((x) => x.message).join('\n  ')}`;
    const e = new ValidationError(errors[0]!.path, errors[0]!.prop, errors[0]!.got, errors[0]!.expected, message);
    Object.defineProperty(e, 'errors', { value: errors });
    return e;
  }

  /** Every error this one stands for (itself when it is one). */
  public readonly errors: readonly ValidationError[] = [this];

  constructor(
    public readonly path: string,
    public readonly prop: string,
    public readonly got: string,
    public readonly expected: string,
    message = `[${path}] ${prop}: got ${got}, expected ${expected}`,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** Values of types only a higher layer knows (cdk8s Duration, Size, cdk8s-plus Cpu), as messages write them. */
export type Describer = (value: unknown) => string | undefined;

/** A value as error messages show it: strings quoted, objects as JSON, `special` for types of higher layers. */
export function describe(value: unknown, special?: Describer): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  const s = special?.(value);
  if (s !== undefined) return s;
  if (typeof value === 'number') return String(value);
  try {
    // values of those types inside objects as they are written elsewhere in messages
    const replacer = (_k: string, v: unknown) => {
      const inner = v !== undefined && typeof v !== 'string' ? special?.(v) : undefined;
      return inner !== undefined ? inner.replace(/^"(.*)"$/, '$1') : v;
    };
    return JSON.stringify(value, replacer) ?? String(value);
  } catch {
    return String(value);
  }
}
