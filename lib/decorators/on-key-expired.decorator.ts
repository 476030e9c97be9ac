import { ON_KEY_EXPIRED_METADATA } from '../delay-task.constants';
import { OnKeyExpiredOptions } from '../interfaces/on-key-expired-options.interface';

/** One `@OnKeyExpired` registration, as stored in metadata (validated at bootstrap). */
export interface OnKeyExpiredMetadata {
  pattern: unknown;
  options: unknown;
}

/**
 * Runs the decorated method when a key matching `pattern` expires: a plain
 * Redis key with a TTL, or a task scheduled with `DelayTaskService.schedule`.
 * Stackable: a method may carry several patterns (it still runs once per event).
 *
 * @param pattern - Redis glob syntax: `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`
 * @param options - `{ exclusive: true }` lets exactly one instance handle each plain expiry
 *
 * @example
 * ```ts
 * @OnKeyExpired('order:*')
 * async cancel(event: ExpiredKeyEvent<{ orderId: string }>) { ... }
 * ```
 */
export function OnKeyExpired(pattern: string, options: OnKeyExpiredOptions = {}): MethodDecorator {
  return (_target, _propertyKey, descriptor) => {
    const method = descriptor.value as object;
    const existing: OnKeyExpiredMetadata[] =
      Reflect.getMetadata(ON_KEY_EXPIRED_METADATA, method) ?? [];
    Reflect.defineMetadata(ON_KEY_EXPIRED_METADATA, [...existing, { pattern, options }], method);
    return descriptor;
  };
}
