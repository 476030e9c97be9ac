import { RECURRING_METADATA } from '../delay-task.constants';
import { RecurringOptions } from '../interfaces/repeat-options.interface';
import { literalPattern } from '../pattern/literal-pattern';
import { OnKeyExpired } from './on-key-expired.decorator';

/** One `@Recurring` declaration, as stored in metadata (validated at bootstrap). */
export interface RecurringMetadata {
  key: unknown;
  options: unknown;
}

/**
 * Declares a recurring series and makes the decorated method its handler:
 * every occurrence of `key` runs it, on exactly one instance. The series is
 * declared at bootstrap on every instance that has the method, idempotently:
 * a redeploy keeps the pending occurrence's time, and a changed rule applies
 * from the occurrence after it. Options are validated at bootstrap, with
 * named errors that name the class and method.
 *
 * @param key - the series' task key (matched literally, not as a pattern)
 * @param options - `{ cron, tz? }` or `{ every }`, and optionally `payload`, `missed`, `maxAttempts`, `backoff`
 *
 * @example
 * ```ts
 * @Recurring('report:daily', { cron: '0 2 * * *', tz: 'Europe/Berlin' })
 * async report(event: ExpiredKeyEvent) { ... } // event.recurring === true, event.dueAt: 02:00 that day
 * ```
 */
export function Recurring<T = unknown>(key: string, options: RecurringOptions<T>): MethodDecorator {
  const handles = OnKeyExpired(typeof key === 'string' ? literalPattern(key) : key);
  return (target, propertyKey, descriptor) => {
    handles(target, propertyKey, descriptor);
    const method = descriptor.value as object;
    const existing: RecurringMetadata[] = Reflect.getMetadata(RECURRING_METADATA, method) ?? [];
    Reflect.defineMetadata(RECURRING_METADATA, [...existing, { key, options }], method);
    return descriptor;
  };
}
