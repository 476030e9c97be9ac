import { describe } from '../delay-task.messages';
import { InvalidDelayError } from '../errors/invalid-delay.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { InvalidPatternError } from '../errors/invalid-pattern.error';
import { InvalidPayloadError } from '../errors/invalid-payload.error';
import { InvalidTaskKeyError } from '../errors/invalid-task-key.error';
import { PayloadTooLargeError } from '../errors/payload-too-large.error';
import { BackoffPolicy } from '../interfaces/backoff.interface';
import { Timing } from '../store/task-store';

/**
 * Checks of what callers pass to `DelayTaskService`. Each throws a named error
 * before anything is written to Redis.
 */

export function validateKey(key: unknown, where = 'key'): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidTaskKeyError(
      `The task ${where} must be a non-empty string, got ${describe(key)}.`,
    );
  }
  return key;
}

export function validatePattern(pattern: unknown): string {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new InvalidPatternError(
      `A key pattern must be a non-empty string, got ${describe(pattern)}.`,
    );
  }
  return pattern;
}

/** The exact JSON of a payload ('' for `undefined`), within `maxPayloadBytes`. */
export function serializePayload(payload: unknown, maxPayloadBytes: number, key: string): string {
  if (payload === undefined) return '';
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidPayloadError(
      `The payload of task "${key}" is not JSON-serialisable: ${reason}.`,
    );
  }
  if (json === undefined) {
    throw new InvalidPayloadError(
      `The payload of task "${key}" is not JSON-serialisable (${typeof payload}).`,
    );
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most payloads need no exact count.
  if (json.length * 3 <= maxPayloadBytes) return json;
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxPayloadBytes) {
    throw new PayloadTooLargeError(
      `The payload of task "${key}" is ${bytes} bytes of JSON; the limit (maxPayloadBytes) is ${maxPayloadBytes}.`,
    );
  }
  return json;
}

/** Exactly one of `delay` (ms, ≥ 0) or `at` (Date or epoch ms; the past means now). */
export function validateDueTime(options: unknown, key: string): Timing {
  if (options === null || typeof options !== 'object') {
    throw new InvalidDelayError(
      `Task "${key}" needs options with a "delay" or an "at", got ${describe(options)}.`,
    );
  }
  const delay: unknown = Reflect.get(options, 'delay');
  const at: unknown = Reflect.get(options, 'at');
  if ((delay === undefined) === (at === undefined)) {
    throw new InvalidDelayError(`Task "${key}" needs exactly one of "delay" or "at".`);
  }
  if (delay !== undefined) {
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
      throw new InvalidDelayError(
        `The delay of task "${key}" must be a finite number of milliseconds, 0 or more; got ${describe(delay)}.`,
      );
    }
    return { kind: 'd', amount: Math.ceil(delay) };
  }
  return { kind: 'a', amount: validateMoment(at, key) };
}

function validateMoment(at: unknown, key: string): number {
  const ms = at instanceof Date ? at.getTime() : at;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InvalidDelayError(
      `The "at" of task "${key}" must be a valid Date or a finite epoch in ms; got ${at instanceof Date ? 'an invalid Date' : describe(at)}.`,
    );
  }
  return Math.ceil(ms);
}

/** A shift of the due time: any finite number of ms, negative allowed. */
export function validateShift(delta: unknown, key: string): Timing {
  if (typeof delta !== 'number' || !Number.isFinite(delta)) {
    throw new InvalidDelayError(
      `The shift of task "${key}" must be a finite number of ms; got ${describe(delta)}.`,
    );
  }
  return { kind: 's', amount: Math.round(delta) };
}

export function validateMaxAttempts(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionsError(
      `${where}: "maxAttempts" must be an integer of 1 or more, got ${describe(value)}.`,
    );
  }
  return value;
}

export function validateBackoffPolicy(value: unknown, where: string): BackoffPolicy | undefined {
  if (value === undefined) return undefined;
  const type: unknown =
    value !== null && typeof value === 'object' ? Reflect.get(value, 'type') : undefined;
  const delay: unknown =
    value !== null && typeof value === 'object' ? Reflect.get(value, 'delay') : undefined;
  if (
    (type !== 'fixed' && type !== 'exponential') ||
    typeof delay !== 'number' ||
    !Number.isFinite(delay) ||
    delay < 0
  ) {
    throw new InvalidOptionsError(
      `${where}: "backoff" must be { type: 'fixed' | 'exponential', delay: ms ≥ 0 }, got ${describe(value)}.`,
    );
  }
  return { type, delay: Math.ceil(delay) };
}
