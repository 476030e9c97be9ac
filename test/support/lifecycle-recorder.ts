import { Injectable, Type } from '@nestjs/common';
import { OnTaskEvent, TaskLifecycleEvent, TaskLifecycleEventType } from '../../lib';

/** Collects lifecycle events and lets a test await one, with a deadline (never a fixed sleep). */
export class LifecycleRecorder {
  readonly events: TaskLifecycleEvent[] = [];
  private waiters: Array<() => void> = [];

  push(event: TaskLifecycleEvent): void {
    this.events.push(event);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((check) => check());
  }

  /** The events of one key, in order. */
  of(key: string): TaskLifecycleEvent[] {
    return this.events.filter((event) => event.key === key);
  }

  /** Resolves with the first event of `type` for `key`; rejects after `timeoutMs`. */
  next(type: TaskLifecycleEventType, key: string, timeoutMs = 15_000): Promise<TaskLifecycleEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
        const seen = this.of(key).map((event) => event.type);
        reject(new Error(`no "${type}" of ${key} within ${timeoutMs} ms; saw ${seen.join(', ')}`));
      }, timeoutMs);
      const check = () => {
        const found = this.events.find((event) => event.type === type && event.key === key);
        if (!found) return void this.waiters.push(check);
        clearTimeout(timer);
        resolve(found);
      };
      check();
    });
  }
}

/**
 * A provider whose one method listens to every lifecycle type (stacked
 * `@OnTaskEvent`s), optionally only for `pattern`, and records into `recorder`.
 */
export function recordingListener(recorder: LifecycleRecorder, pattern?: string): Type<unknown> {
  @Injectable()
  class RecordingListener {
    @OnTaskEvent('scheduled', pattern)
    @OnTaskEvent('cancelled', pattern)
    @OnTaskEvent('recovered', pattern)
    @OnTaskEvent('started', pattern)
    @OnTaskEvent('completed', pattern)
    @OnTaskEvent('failed', pattern)
    @OnTaskEvent('retrying', pattern)
    @OnTaskEvent('dead', pattern)
    record(event: TaskLifecycleEvent): void {
      recorder.push(event);
    }
  }
  return RecordingListener;
}
