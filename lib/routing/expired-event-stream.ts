import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject, filter } from 'rxjs';
import { ExpiredKeyEvent } from '../interfaces/expired-key-event.interface';
import { RedisGlob } from '../pattern/redis-glob';

/**
 * The one stream every routed event flows through: plain expired keys and each
 * delivery of a scheduled task. Observing it never claims anything.
 */
@Injectable()
export class ExpiredEventStream extends Observable<ExpiredKeyEvent> implements OnModuleDestroy {
  private readonly subject = new Subject<ExpiredKeyEvent>();

  constructor() {
    super((subscriber) => this.subject.subscribe(subscriber));
  }

  /** Publishes an event to every observer. */
  emit(event: ExpiredKeyEvent): void {
    this.subject.next(event);
  }

  /** Events whose key matches a Redis glob pattern. */
  ofPattern<T = unknown>(pattern: string): Observable<ExpiredKeyEvent<T>> {
    const glob = new RedisGlob(pattern);
    return this.pipe(filter((event): event is ExpiredKeyEvent<T> => glob.matches(event.key)));
  }

  onModuleDestroy(): void {
    this.subject.complete();
  }
}
