import { RedisGlob } from '../pattern/redis-glob';
import { ExpiredKeyEvent } from '../interfaces/expired-key-event.interface';

/** One pattern a handler listens to. */
export interface HandlerRoute {
  glob: RedisGlob;
  exclusive: boolean;
}

/** A decorated method, bound to its provider instance, with the patterns it listens to. */
export interface KeyExpiredHandler {
  /** `ClassName.methodName`: stable across instances, used to remember which handlers already succeeded. */
  readonly id: string;
  readonly routes: readonly HandlerRoute[];
  /** Most deliveries of scheduled tasks to this handler in flight on this instance; unlimited if absent. */
  readonly concurrency?: number;
  /** Milliseconds after which a delivery to this handler is aborted and counts as failed; none if absent. */
  readonly timeoutMs?: number;
  /** Calls the method; its result may be a value, a Promise or an Observable. */
  readonly call: (event: ExpiredKeyEvent) => unknown;
}
