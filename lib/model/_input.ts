import { humanMillis, isDurationLike } from '../core/duration';
import { describe, ValidationError } from '../core/errors';

/** The model's Durations (cdk8s's, recognised without loading cdk8s) as the constructs' messages write them. */
const describeDuration = (value: unknown) => (isDurationLike(value) ? humanMillis(value.toMilliseconds()) : undefined);

/**
 * The public helper functions check their input as the constructs check props, in the same format with the
 * function's name in place of the construct path: `[desiredReplicas] targetAverageValue: got 0, expected ...`.
 */
export function inputError(fn: string, prop: string, value: unknown, expected: string): ValidationError {
  return new ValidationError(fn, prop, describe(value, describeDuration), expected);
}

export function checkInput(fn: string, input: unknown, name: string): void {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw inputError(fn, 'input', input, `${name}: an object`);
}

const MAX_INT32 = 2 ** 31 - 1;

export function checkCount(fn: string, prop: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_INT32) {
    throw inputError(fn, prop, value, `a whole number from ${min} to ${MAX_INT32}`);
  }
  return value;
}

export function checkPositive(fn: string, prop: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0.001) {
    throw inputError(fn, prop, value, 'a number of at least 0.001 (quantities have milli precision)');
  }
  return value;
}

export function checkTolerance(fn: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
    throw inputError(fn, 'tolerance', value, 'a number of at least 0');
  }
}

export function checkMinMax(fn: string, input: { minReplicas: unknown; maxReplicas: unknown }, min = 0): void {
  const lo = checkCount(fn, 'minReplicas', input.minReplicas, min);
  const hi = checkCount(fn, 'maxReplicas', input.maxReplicas, 1);
  if (lo > hi) throw inputError(fn, 'minReplicas', lo, `at most maxReplicas (${hi})`);
}

export function checkNumbers(fn: string, prop: string, value: unknown): void {
  if (!Array.isArray(value)) throw inputError(fn, prop, value, 'an array of numbers');
  value.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw inputError(fn, `${prop}[${i}]`, v, 'a finite number');
  });
}

export function checkStrings(fn: string, prop: string, value: unknown, optional = false): void {
  if (optional && value === undefined) return;
  if (!Array.isArray(value)) throw inputError(fn, prop, value, 'an array of strings');
  value.forEach((v, i) => {
    if (typeof v !== 'string') throw inputError(fn, `${prop}[${i}]`, v, 'a string');
  });
}

export function checkDurationInput(fn: string, prop: string, value: unknown, optional = false): void {
  if (optional && value === undefined) return;
  if (!isDurationLike(value) || !Number.isFinite(value.toMilliseconds()) || value.toMilliseconds() < 0) {
    throw inputError(fn, prop, value, 'a cdk8s Duration of 0 or more');
  }
}
