import { Injectable, Logger } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { errorMessage, taskEventListenerFailed } from '../delay-task.messages';
import { TaskEventListener } from '../discovery/task-event-listener';
import { TaskEventListenerRegistry } from '../discovery/task-event-listener.registry';
import { TaskLifecycleEvent } from '../interfaces/task-lifecycle-event.interface';
import { TaskLifecycleStream } from './task-lifecycle-stream';

/**
 * Calls the `@OnTaskEvent` listeners with the lifecycle events they asked
 * for. A listener that throws or rejects is logged; neither the task nor the
 * other listeners notice.
 */
@Injectable()
export class TaskEventDispatcher {
  private readonly logger = new Logger('DelayTaskModule');
  private subscription?: Subscription;

  constructor(
    private readonly stream: TaskLifecycleStream,
    private readonly listeners: TaskEventListenerRegistry,
  ) {}

  /** Subscribes to the stream, if any listener was registered. */
  start(): void {
    if (this.listeners.size === 0 || this.subscription) return;
    this.subscription = this.stream.subscribe((event) => this.dispatch(event));
  }

  private dispatch(event: TaskLifecycleEvent): void {
    for (const listener of this.listeners.match(event)) {
      // The executor runs the listener synchronously (events reach it in order) and
      // turns a throw into a rejection, handled here like a rejected Promise it returned.
      new Promise((resolve) => resolve(listener.call(event))).catch((error: unknown) =>
        this.failed(listener, event, error),
      );
    }
  }

  private failed(listener: TaskEventListener, event: TaskLifecycleEvent, error: unknown): void {
    this.logger.error(
      taskEventListenerFailed(listener.id, event.type, event.key, error),
      error instanceof Error ? error.stack : errorMessage(error),
    );
  }
}
