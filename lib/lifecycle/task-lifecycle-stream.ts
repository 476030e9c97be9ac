import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import { TaskLifecycleEvent } from '../interfaces/task-lifecycle-event.interface';
import { RedisClock } from '../scheduler/redis-clock';

/**
 * The stream of what this instance did to scheduled tasks (`events$`). Its
 * producers are the service (scheduled, cancelled) and the task runner
 * (everything about deliveries); `@OnTaskEvent` listeners subscribe to it.
 *
 * NOTE: producers check `observed` first, so an app that listens to nothing
 * builds no event objects: a burst of deliveries costs nothing extra.
 */
@Injectable()
export class TaskLifecycleStream
  extends Observable<TaskLifecycleEvent>
  implements OnApplicationShutdown
{
  private readonly subject = new Subject<TaskLifecycleEvent>();

  constructor(private readonly clock: RedisClock) {
    super((subscriber) => this.subject.subscribe(subscriber));
  }

  /** Whether anything listens: when not, producers skip building events. */
  get observed(): boolean {
    return this.subject.observed;
  }

  /** Publishes an event, stamped with Redis' current time. */
  emit(event: Omit<TaskLifecycleEvent, 'at'>): void {
    this.subject.next({ ...event, at: this.clock.now() });
  }

  // NOTE: not onModuleDestroy: Nest runs that before beforeApplicationShutdown, where
  // in-flight deliveries finish, and their outcome must still reach the listeners.
  onApplicationShutdown(): void {
    this.subject.complete();
  }
}
