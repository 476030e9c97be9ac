import { ON_TASK_EVENT_METADATA } from '../delay-task.constants';
import { TaskLifecycleEventType } from '../interfaces/task-lifecycle-event.interface';

/** One `@OnTaskEvent` registration, as stored in metadata (validated at bootstrap). */
export interface OnTaskEventMetadata {
  type: unknown;
  pattern: unknown;
}

/**
 * Calls the decorated method with each `TaskLifecycleEvent` of `type` that
 * this instance produces, for keys matching `pattern` (every key when
 * omitted). Stackable: one method may listen to several types.
 *
 * A listener observes: what it throws or rejects with is logged and never
 * changes the task's outcome. It runs synchronously as the event happens, so
 * slow work belongs in a Promise it returns.
 *
 * @param type - `'scheduled' | 'started' | 'completed' | 'failed' | 'retrying' | 'dead' | 'recovered' | 'cancelled'`
 * @param pattern - Redis glob over the task key, as in `@OnKeyExpired` (default: every key)
 *
 * @example
 * ```ts
 * @OnTaskEvent('dead', 'order:*')
 * alert(event: TaskLifecycleEvent) { this.pager.send(`${event.key}: ${event.error}`); }
 * ```
 */
export function OnTaskEvent(type: TaskLifecycleEventType, pattern?: string): MethodDecorator {
  return (_target, _propertyKey, descriptor) => {
    const method = descriptor.value as object;
    const existing: OnTaskEventMetadata[] =
      Reflect.getMetadata(ON_TASK_EVENT_METADATA, method) ?? [];
    Reflect.defineMetadata(ON_TASK_EVENT_METADATA, [...existing, { type, pattern }], method);
    return descriptor;
  };
}
