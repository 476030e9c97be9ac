import { describe } from '../delay-task.messages';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { IfPending } from '../interfaces/schedule-options.interface';

/** How `schedule.lua` names each `ifPending` mode. */
const IF_PENDING_CODES: Record<IfPending, string> = {
  replace: 'r',
  keep: 'k',
  earlier: 'e',
  later: 'l',
};

/** The script's code of an `ifPending` option (absent: `'replace'`); throws on an unknown mode. */
export function validateIfPending(value: unknown, key: string): string {
  if (value === undefined) return IF_PENDING_CODES.replace;
  if (typeof value !== 'string' || !Object.hasOwn(IF_PENDING_CODES, value)) {
    throw new InvalidOptionsError(
      `Task "${key}": "ifPending" must be one of ${Object.keys(IF_PENDING_CODES)
        .map((mode) => `'${mode}'`)
        .join(', ')}; got ${describe(value)}.`,
    );
  }
  return IF_PENDING_CODES[value as IfPending];
}

/** Whether `cancel` is to stop an in-flight task too; throws on options of the wrong shape. */
export function validateCancelOptions(options: unknown, key: string): boolean {
  if (options === undefined) return false;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionsError(
      `cancel("${key}"): options must be an object such as { abort: true }, got ${describe(options)}.`,
    );
  }
  const abort: unknown = Reflect.get(options, 'abort');
  if (abort !== undefined && typeof abort !== 'boolean') {
    throw new InvalidOptionsError(
      `cancel("${key}"): "abort" must be a boolean, got ${describe(abort)}.`,
    );
  }
  return abort === true;
}
