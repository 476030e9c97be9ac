import { describe, healthOptionsInvalid } from '../delay-task.messages';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { DelayTaskHealthOptions } from '../health/delay-task-health-options.interface';

/** Health options with the defaults filled in. */
export interface ResolvedHealthOptions {
  maxOldestOverdueMs?: number;
  maxDead?: number;
  timeout: number;
}

/** The key a health result is reported under: a non-empty string. */
export function validateHealthKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidOptionsError(
      healthOptionsInvalid(`the key must be a non-empty string, got ${describe(key)}`),
    );
  }
  return key;
}

/** Checks `isHealthy`'s options, throwing `InvalidOptionsError` naming the wrong one. */
export function validateHealthOptions(options: unknown): ResolvedHealthOptions {
  if (options === undefined) return { timeout: DEFAULT_TIMEOUT_MS };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionsError(
      healthOptionsInvalid(`the options must be an object, got ${describe(options)}`),
    );
  }
  const { maxOldestOverdueMs, maxDead, timeout } = options as Record<
    keyof DelayTaskHealthOptions,
    unknown
  >;
  const resolved: ResolvedHealthOptions = {
    timeout:
      timeout === undefined
        ? DEFAULT_TIMEOUT_MS
        : check('timeout', timeout, 'a positive number of ms', (n) => Number.isFinite(n) && n > 0),
  };
  if (maxOldestOverdueMs !== undefined) {
    resolved.maxOldestOverdueMs = check(
      'maxOldestOverdueMs',
      maxOldestOverdueMs,
      'a number of ms, 0 or more',
      (n) => Number.isFinite(n) && n >= 0,
    );
  }
  if (maxDead !== undefined) {
    resolved.maxDead = check('maxDead', maxDead, 'an integer, 0 or more', (n) => {
      return Number.isInteger(n) && n >= 0;
    });
  }
  return resolved;
}

/** `DelayTaskHealthOptions.timeout`'s default. */
const DEFAULT_TIMEOUT_MS = 1_000;

function check(
  name: string,
  value: unknown,
  expected: string,
  valid: (n: number) => boolean,
): number {
  if (typeof value !== 'number' || !valid(value)) {
    throw new InvalidOptionsError(
      healthOptionsInvalid(`"${name}" must be ${expected}, got ${describe(value)}`),
    );
  }
  return value;
}
