import {
  TaskLifecycleEvent,
  TaskLifecycleEventType,
} from '../interfaces/task-lifecycle-event.interface';
import { RedisGlob } from '../pattern/redis-glob';

/** One type (and optional key pattern) a listener subscribes to. */
export interface TaskEventRoute {
  type: TaskLifecycleEventType;
  /** Absent: every key. */
  glob?: RedisGlob;
}

/** An `@OnTaskEvent` method, bound to its provider instance, with what it listens to. */
export interface TaskEventListener {
  /** `ClassName.methodName`, for logs. */
  readonly id: string;
  readonly routes: readonly TaskEventRoute[];
  /** Calls the method; its result may be a value or a Promise. */
  readonly call: (event: TaskLifecycleEvent) => unknown;
}
