import { DelayTaskError } from './delay-task.error';

/** Why a delivery was stopped from outside its handler. */
export type DeliveryAbortOrigin = 'cancel' | 'shutdown';

/**
 * The reason of an `event.signal` aborted from outside the handler:
 * `cancel(key, { abort: true })` on any instance (`'cancel'`: the task is
 * deleted, not retried) or `app.close()` giving up waiting after
 * `shutdownTimeoutMs` (`'shutdown'`: the task is re-delivered after its lease).
 * Whatever the handler does afterwards, its result is ignored.
 */
export class DeliveryAbortedError extends DelayTaskError {
  constructor(
    /** What stopped it. */
    readonly origin: DeliveryAbortOrigin,
    message: string,
  ) {
    super(message);
  }
}
