import { Injectable } from '@nestjs/common';
import { TaskLifecycleEvent } from '../interfaces/task-lifecycle-event.interface';
import { TaskEventListener } from './task-event-listener';

/** The `@OnTaskEvent` listeners of this instance. Filled once by the explorer at bootstrap. */
@Injectable()
export class TaskEventListenerRegistry {
  private readonly listeners: TaskEventListener[] = [];

  register(listener: TaskEventListener): void {
    this.listeners.push(listener);
  }

  get size(): number {
    return this.listeners.length;
  }

  /** Listeners with a route for this event's type and key; each listener once. */
  match(event: TaskLifecycleEvent): TaskEventListener[] {
    return this.listeners.filter((listener) =>
      listener.routes.some(
        (route) => route.type === event.type && (!route.glob || route.glob.matches(event.key)),
      ),
    );
  }
}
